import type {OnnxAttribute, OnnxElementType, OnnxGraph, OnnxNode, OnnxTensor, OnnxValue} from "../../onnx/index.js";

/** Gemm's options: transposes of A and B, alpha, and an optional C added with beta = 1. */
export interface GemmOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly alpha?: number;
  readonly add?: string;
}

/**
 * Collects the nodes of one ONNX graph (opset 17) with a helper per operator the trainer's graphs use; every
 * helper returns the name of the value it produces. Value names are generated, so graphs are written as
 * ordinary expressions.
 *
 * @example
 * const g = new OnnxGraphBuilder();
 * const x = g.input("x", "float", [2, 3]);
 * g.output("y", g.mul(x, x), "float", [2, 3]);
 * const graph = g.graph("square");
 */
export class OnnxGraphBuilder {
  readonly #nodes: OnnxNode[] = [];
  readonly #initializers: OnnxTensor[] = [];
  readonly #inputs: OnnxValue[] = [];
  readonly #outputs: OnnxValue[] = [];
  readonly #int64Constants = new Map<string, string>();
  #next = 0;

  input(name: string, type: OnnxElementType, shape: readonly number[]): string {
    this.#inputs.push({name, type, shape});
    return name;
  }

  /** Exposes `value` as graph output `name` (an Identity, so one value can be several outputs). */
  output(name: string, value: string, type: OnnxElementType, shape: readonly number[]): void {
    this.#nodes.push({op: "Identity", inputs: [value], outputs: [name]});
    this.#outputs.push({name, type, shape});
  }

  graph(name: string): OnnxGraph {
    return {name, nodes: this.#nodes, initializers: this.#initializers, inputs: this.#inputs, outputs: this.#outputs, opset: 17};
  }

  #fresh(op: string): string {
    return `${op.toLowerCase()}_${this.#next++}`;
  }

  op(op: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string {
    const output = this.#fresh(op);
    this.#nodes.push({op, inputs, outputs: [output], ...(attributes == null ? {} : {attributes})});
    return output;
  }

  /** An operator with several outputs. */
  ops(op: string, inputs: readonly string[], count: number, attributes?: Readonly<Record<string, OnnxAttribute>>): string[] {
    const outputs = Array.from({length: count}, () => this.#fresh(op));
    this.#nodes.push({op, inputs, outputs, ...(attributes == null ? {} : {attributes})});
    return outputs;
  }

  floatConstant(data: Float32Array, dims: readonly number[]): string {
    const name = this.#fresh("const");
    this.#initializers.push({name, type: "float", dims, data});
    return name;
  }

  /** An int64 initializer (shapes, axes), shared between uses of the same values. */
  int64Constant(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `${dims.join("x")}:${values.join(",")}`;
    let name = this.#int64Constants.get(key);
    if (name == null) {
      name = this.#fresh("shape");
      this.#initializers.push({name, type: "int64", dims, data: BigInt64Array.from(values, (v) => BigInt(v))});
      this.#int64Constants.set(key, name);
    }
    return name;
  }

  add(a: string, b: string): string {
    return this.op("Add", [a, b]);
  }

  sub(a: string, b: string): string {
    return this.op("Sub", [a, b]);
  }

  mul(a: string, b: string): string {
    return this.op("Mul", [a, b]);
  }

  scale(a: string, factor: number): string {
    return factor === 1 ? a : this.mul(a, this.floatConstant(Float32Array.of(factor), []));
  }

  matmul(a: string, b: string): string {
    return this.op("MatMul", [a, b]);
  }

  /** alpha * op(A) op(B) (+ C) for 2-D A and B. */
  gemm(a: string, b: string, options: GemmOptions = {}): string {
    const attributes: Record<string, OnnxAttribute> = {transA: {int: options.transA ? 1 : 0}, transB: {int: options.transB ? 1 : 0}};
    if (options.alpha != null && options.alpha !== 1) attributes.alpha = options.alpha;
    return this.op("Gemm", options.add == null ? [a, b] : [a, b, options.add], attributes);
  }

  reshape(x: string, shape: readonly number[]): string {
    return this.op("Reshape", [x, this.int64Constant(shape)]);
  }

  transpose(x: string, perm: readonly number[]): string {
    return this.op("Transpose", [x], {perm: {ints: perm}});
  }

  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    return this.op("ReduceSum", [x, this.int64Constant(axes)], {keepdims: {int: keepdims ? 1 : 0}});
  }

  /** The sum of every element, as a scalar. */
  sumAll(x: string): string {
    return this.op("ReduceSum", [x], {keepdims: {int: 0}});
  }
}
