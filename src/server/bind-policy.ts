import {isIP} from "node:net";
import {UsageError} from "../errors/index.js";

/**
 * Threat model: a server started with the defaults on a shared network, or one whose host was changed to
 * 0.0.0.0 without thinking about who can reach it. An open LLM server leaks every user's chats and burns the
 * machine's CPU for strangers (hundreds of thousands of exposed Ollama hosts, LocalAI's refusal to bind
 * publicly without auth). So a bind address other than loopback needs `--auth` or API keys, or an explicit
 * `--allow_insecure_public`.
 */

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./.test(bare);
  return false;
}

export class InsecureBindError extends UsageError {
  constructor(readonly host: string) {
    super(
      `refusing to listen on ${host} without --auth or API keys: anyone who can reach it could read every chat ` +
        `and use the model; add --auth=FILE or --api_keys=FILE (or H2OGPT_API_KEYS), bind to 127.0.0.1, ` +
        `or pass --allow_insecure_public if this network is trusted`
    );
  }
}

export function checkBindPolicy(options: {
  host: string;
  hasUsers: boolean;
  hasApiKeys: boolean;
  allowInsecurePublic: boolean;
}): void {
  if (isLoopbackHost(options.host) || options.hasUsers || options.hasApiKeys || options.allowInsecurePublic) return;
  throw new InsecureBindError(options.host);
}
