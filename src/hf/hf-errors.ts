import {InputFileError} from "../errors/index.js";

/** A Hugging Face folder, safetensors file or PEFT adapter that cannot be read or converted; names the file. Exit code 2. */
export class HfModelError extends InputFileError {}
