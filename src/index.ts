/** The public library API: `import {...} from "h2ogpt-ts"`. Each stage exports its own small surface. */
export * from "./errors/index.js";
