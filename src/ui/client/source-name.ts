/** A source's file name for display: h2oGPT stores full paths (or URLs), which crowd the UI; the full one goes in a title. */
export function sourceName(source: string): string {
  const trimmed = source.replace(/[\\/]+$/, "");
  const name = trimmed.split(/[\\/]/).pop() ?? "";
  return name === "" ? source : name;
}
