/**
 * Writing ONNX models: a protobuf encoder for the small graphs the trainer's onnxruntime backend runs each step
 * and the test models of the score stage.
 *
 * @example
 * const bytes = encodeOnnxModel({
 *   name: "matmul",
 *   nodes: [{op: "MatMul", inputs: ["a", "b"], outputs: ["c"]}],
 *   initializers: [],
 *   inputs: [{name: "a", type: "float", shape: [2, 3]}, {name: "b", type: "float", shape: [3, 4]}],
 *   outputs: [{name: "c", type: "float", shape: [2, 4]}]
 * });
 */
export {encodeOnnxModel, type OnnxAttribute, type OnnxElementType, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValue} from "./onnx-writer.js";
