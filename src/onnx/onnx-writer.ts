/**
 * A small ONNX (protobuf) writer: enough of onnx.proto3 for a graph of float32 / int64 tensors, nodes with int,
 * float, ints, string and tensor attributes, and typed graph inputs and outputs. The trainer's onnxruntime backend
 * builds its step graphs with it; the score tests and benchmarks write their small models with it.
 */

const ELEMENT_TYPES = {float: 1, int64: 7} as const;
export type OnnxElementType = keyof typeof ELEMENT_TYPES;

export interface OnnxTensor {
  readonly name: string;
  readonly type: OnnxElementType;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

export type OnnxAttribute =
  | number
  | readonly number[]
  | {readonly int: number}
  | {readonly ints: readonly number[]}
  | {readonly string: string}
  | OnnxTensor;

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
  readonly domain?: string;
}

export interface OnnxValue {
  readonly name: string;
  readonly type: OnnxElementType;
  /** A number is a fixed size, a string a named dynamic one ("batch"). */
  readonly shape: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  readonly opset?: number;
}

/** Protobuf wire format: varints, length-delimited fields, fixed32 floats. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  varint(value: bigint | number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.tag(field, 5);
    this.push(bytes);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

function writeTensor(writer: ProtoWriter, tensor: OnnxTensor): void {
  for (const dim of tensor.dims) writer.int(1, dim);
  writer.int(2, ELEMENT_TYPES[tensor.type]);
  writer.string(8, tensor.name);
  writer.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function writeAttribute(writer: ProtoWriter, name: string, value: OnnxAttribute): void {
  writer.string(1, name);
  if (typeof value === "number") {
    writer.float(2, value).int(20, 1);
  } else if (Array.isArray(value)) {
    for (const item of value as readonly number[]) writer.float(7, item);
    writer.int(20, 6);
  } else if ("int" in value) {
    writer.int(3, value.int).int(20, 2);
  } else if ("string" in value) {
    writer.string(4, value.string).int(20, 3);
  } else if ("ints" in value) {
    for (const item of value.ints) writer.int(8, item);
    writer.int(20, 7);
  } else {
    writer.message(5, (inner) => writeTensor(inner, value as OnnxTensor)).int(20, 4);
  }
}

function writeValue(writer: ProtoWriter, value: OnnxValue): void {
  writer.string(1, value.name);
  writer.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEMENT_TYPES[value.type]);
      tensor.message(2, (shape) => {
        for (const dim of value.shape) shape.message(1, (d) => (typeof dim === "number" ? d.int(1, dim) : d.string(2, dim)));
      });
    })
  );
}

/**
 * The bytes of an ONNX model (IR version 8) holding `graph`.
 *
 * @example
 * const session = await ort.InferenceSession.create(encodeOnnxModel(graph));
 */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8);
  model.string(2, "h2ogpt-ts");
  model.message(7, (g) => {
    graph.nodes.forEach((node, index) =>
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `${node.op}_${index}`);
        n.string(4, node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {})) n.message(5, (a) => writeAttribute(a, name, value));
        if (node.domain !== undefined) n.string(7, node.domain);
      })
    );
    g.string(2, graph.name);
    for (const tensor of graph.initializers) g.message(5, (t) => writeTensor(t, tensor));
    for (const input of graph.inputs) g.message(11, (v) => writeValue(v, input));
    for (const output of graph.outputs) g.message(12, (v) => writeValue(v, output));
  });
  model.message(8, (opset) => opset.string(1, "").int(2, graph.opset ?? 17));
  return model.finish();
}
