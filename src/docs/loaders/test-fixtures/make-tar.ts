/** A tar member for `makeTar`: a regular file unless `type` says otherwise ("5" directory, "2" symlink). */
export interface TarFixtureMember {
  readonly name: string;
  readonly data?: Uint8Array | string;
  readonly type?: string;
}

const BLOCK = 512;

/**
 * Writes a POSIX ustar archive; names over 100 bytes get a GNU `L` long-name record first, as GNU tar does.
 * Test fixtures only.
 */
export function makeTar(members: readonly TarFixtureMember[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  const push = (name: string, type: string, data: Uint8Array): void => {
    blocks.push(header(name, type, data.length));
    blocks.push(data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) blocks.push(new Uint8Array(padding));
  };
  for (const member of members) {
    const data = typeof member.data === "string" ? encoder.encode(member.data) : (member.data ?? new Uint8Array());
    const name = encoder.encode(member.name);
    if (name.length > 100) push("././@LongLink", "L", new Uint8Array([...name, 0]));
    push(name.length > 100 ? member.name.slice(0, 99) : member.name, member.type ?? "0", data);
  }
  blocks.push(new Uint8Array(BLOCK * 2));
  const total = blocks.reduce((sum, block) => sum + block.length, 0);
  const tar = new Uint8Array(total);
  let offset = 0;
  for (const block of blocks) {
    tar.set(block, offset);
    offset += block.length;
  }
  return tar;
}

function header(name: string, type: string, size: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const encoder = new TextEncoder();
  const put = (offset: number, text: string): void => block.set(encoder.encode(text), offset);
  put(0, name);
  put(100, "0000644\0");
  put(108, "0000000\0");
  put(116, "0000000\0");
  put(124, `${size.toString(8).padStart(11, "0")}\0`);
  put(136, "00000000000\0");
  put(156, type);
  put(257, "ustar\0");
  put(263, "00");
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}
