import {TextChannel} from "./text-channel.js";

export interface GenerationIo {
  /** Sends a delta to the stream. */
  emit(text: string): void;
  /** Aborted by the caller's signal or by a reader leaving the stream early. */
  readonly signal: AbortSignal;
}

/**
 * Runs a generation on its own and exposes it as a stream plus a result, so a caller may read deltas, await
 * only the result, or both. A failure rejects the result and ends the stream with the same error.
 */
export function startGeneration<R>(
  callerSignal: AbortSignal | undefined,
  run: (io: GenerationIo) => Promise<R>
): {readonly stream: AsyncIterable<string>; readonly result: Promise<R>} {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener("abort", onAbort, {once: true});
  const channel = new TextChannel(() => controller.abort());
  const result = (async () => {
    try {
      return await run({emit: (text) => channel.push(text), signal: controller.signal});
    } finally {
      callerSignal?.removeEventListener("abort", onAbort);
    }
  })();
  result.then(
    () => channel.end(),
    (error: unknown) => channel.fail(error)
  );
  return {stream: channel, result};
}
