/** The public library API: `import {...} from "h2ogpt-ts"`. Each stage exports its own small surface. */
export * from "./errors/index.js";
export * from "./prompts/index.js";
export * from "./tokenizer/index.js";
export * from "./gguf/index.js";
export * from "./engine/index.js";
export * from "./generate/index.js";
export * from "./data/index.js";
export * from "./db/index.js";
export * from "./docs/index.js";
export * from "./train/index.js";
export * from "./score/index.js";
export * from "./server/index.js";
