import {UsageError} from "../errors/index.js";

/** Which family of server: it decides the URL rules and which non-standard sampling fields may be sent. */
export type ServerKind = "vllm" | "http" | "openai";

export interface InferenceServer {
  readonly kind: ServerKind;
  /** `completions` gets our rendered prompt; `chat` gets messages and templates them itself. */
  readonly endpoint: "completions" | "chat";
  /** The OpenAI-style API root, e.g. `http://127.0.0.1:5000/v1`. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** The `--inference_server` value, for messages. */
  readonly spec: string;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

const isUnset = (value: string | undefined): boolean => value == null || value === "" || value === "None";

/**
 * h2oGPT's vllm form: `vllm[_chat]:[http(s)://]ADDRESS[:PORT[:URL_PATH[:API_KEY]]]`; without a scheme `/v1` is
 * appended, with one the address is taken as written (h2oGPT's utils.set_openai).
 */
function parseVllm(spec: string, endpoint: InferenceServer["endpoint"]): InferenceServer {
  let rest = spec.slice(spec.indexOf(":") + 1).trim();
  const scheme = /^https?:\/\//.exec(rest)?.[0];
  if (scheme != null) rest = rest.slice(scheme.length);
  const [address, port, path, key] = rest.split(":").map((part) => part.trim());
  if (isUnset(address)) throw new UsageError(`--inference_server=${spec}: expected vllm:HOST:PORT`);
  let baseUrl = (scheme ?? "http://") + address;
  if (!isUnset(port)) baseUrl += `:${port}`;
  if (!isUnset(path)) baseUrl += path;
  if (scheme == null && !baseUrl.endsWith("/v1")) baseUrl += "/v1";
  return {kind: "vllm", endpoint, baseUrl, apiKey: isUnset(key) ? undefined : key, spec};
}

/** h2oGPT's openai form: `openai[_chat][:DEPLOYMENT[:BASE_URL[:API_VERSION[:API_KEY]]]]`, key from OPENAI_API_KEY. */
function parseOpenAi(spec: string, endpoint: InferenceServer["endpoint"], env: NodeJS.ProcessEnv): InferenceServer {
  const [, , base, , key] = spec.split(":").map((part) => part.trim());
  const baseUrl = !isUnset(base) ? `https://${base}` : (env.OPENAI_BASE_URL ?? env.OPENAI_API_BASE ?? OPENAI_BASE_URL);
  const apiKey = !isUnset(key) ? key : env.OPENAI_API_KEY;
  if (isUnset(apiKey)) throw new UsageError(`--inference_server=${spec}: set OPENAI_API_KEY (the OpenAI API needs a key)`);
  return {kind: "openai", endpoint, baseUrl: baseUrl.replace(/\/+$/, ""), apiKey, spec};
}

/** Any OpenAI-compatible server by URL (llama.cpp's llama-server, TGI, Ollama...): `/v1` is added when the URL has no path. */
function parseUrl(spec: string, endpoint: InferenceServer["endpoint"]): InferenceServer {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UsageError(`--inference_server=${spec}: not a valid URL`);
  }
  const path = url.pathname.replace(/\/+$/, "");
  const baseUrl = `${url.protocol}//${url.host}${path === "" ? "/v1" : path}`;
  const apiKey = url.password !== "" ? decodeURIComponent(url.password) : undefined;
  return {kind: "http", endpoint, baseUrl, apiKey, spec};
}

/** A spec matches a form when it starts with `prefix`, or equals it without the trailing colon. */
const FORMS: readonly {prefix: string; parse: (spec: string, env: NodeJS.ProcessEnv) => InferenceServer}[] = [
  {prefix: "vllm_chat:", parse: (spec) => parseVllm(spec, "chat")},
  {prefix: "vllm:", parse: (spec) => parseVllm(spec, "completions")},
  {prefix: "openai_chat:", parse: (spec, env) => parseOpenAi(spec, "chat", env)},
  {prefix: "openai:", parse: (spec, env) => parseOpenAi(spec, "completions", env)},
  {prefix: "http://", parse: (spec) => parseUrl(spec, "completions")},
  {prefix: "https://", parse: (spec) => parseUrl(spec, "completions")}
];

/** Parses h2oGPT's `--inference_server` value for the OpenAI-compatible servers h2ogpt-ts talks to. */
export function parseInferenceServer(spec: string, env: NodeJS.ProcessEnv = process.env): InferenceServer {
  const trimmed = spec.trim();
  const match = FORMS.find(({prefix}) => trimmed.startsWith(prefix) || (prefix.endsWith(":") && trimmed === prefix.slice(0, -1)));
  if (match == null)
    throw new UsageError(
      `--inference_server=${spec}: expected vllm:HOST:PORT, vllm_chat:HOST:PORT, http(s)://HOST:PORT, openai or openai_chat`
    );
  return match.parse(trimmed, env);
}
