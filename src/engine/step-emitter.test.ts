import {describe, expect, it} from "vitest";
import {StepEmitter} from "./step-emitter.js";

const cycle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("StepEmitter", () => {
  it("holds pushed text until two event-loop cycles after emitAfterDispatch, then emits it as one piece", async () => {
    const emitted: string[] = [];
    const emitter = new StepEmitter((text) => emitted.push(text));
    emitter.push("Hel");
    emitter.push("lo");
    emitter.emitAfterDispatch();
    await Promise.resolve();
    expect(emitted).toEqual([]);
    // A setImmediate scheduled after emitAfterDispatch (node-llama-cpp's dispatch) runs before the text goes out.
    const order: string[] = [];
    setImmediate(() => order.push(`dispatch sees ${emitted.length} emitted`));
    await cycle();
    await cycle();
    expect(order).toEqual(["dispatch sees 0 emitted"]);
    expect(emitted).toEqual(["Hello"]);
  });

  it("flush emits at once and a flush already scheduled then emits nothing twice", async () => {
    const emitted: string[] = [];
    const emitter = new StepEmitter((text) => emitted.push(text));
    emitter.push("a");
    emitter.emitAfterDispatch();
    emitter.push("b");
    emitter.flush();
    expect(emitted).toEqual(["ab"]);
    await cycle();
    await cycle();
    expect(emitted).toEqual(["ab"]);
    emitter.flush();
    emitter.emitAfterDispatch();
    await cycle();
    await cycle();
    expect(emitted).toEqual(["ab"]);
  });
});
