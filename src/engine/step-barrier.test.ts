import {describe, expect, it} from "vitest";
import {StepBarrier} from "./step-barrier.js";

describe("StepBarrier", () => {
  it("releases the members together once every member waits, and a leaving member lets the rest go", async () => {
    const barrier = new StepBarrier();
    const a = barrier.join();
    const b = barrier.join();
    const c = barrier.join();
    const released: string[] = [];
    const stepA = a.step().then(() => released.push("a"));
    const stepB = b.step().then(() => released.push("b"));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual([]);
    c.leave();
    await Promise.all([stepA, stepB]);
    expect(released.sort()).toEqual(["a", "b"]);
    expect(barrier.size).toBe(2);
  });

  it("a lone member steps on its own, after the current macrotask", async () => {
    const barrier = new StepBarrier();
    const only = barrier.join();
    const order: string[] = [];
    const step = only.step().then(() => order.push("step"));
    setImmediate(() => order.push("immediate"));
    await Promise.resolve();
    order.push("microtask");
    await step;
    // Not before the microtasks queued with it, and in the macrotask queue before what came after it.
    expect(order).toEqual(["microtask", "step"]);
    only.leave();
    expect(barrier.size).toBe(0);
  });

  it("a member that joins while others wait is released with them", async () => {
    const barrier = new StepBarrier();
    const a = barrier.join();
    const b = barrier.join();
    const stepA = a.step();
    const late = barrier.join();
    const stepLate = late.step();
    let done = false;
    void Promise.all([stepA, stepLate]).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    await b.step();
    await Promise.all([stepA, stepLate]);
  });

  it("releases lowest rank first, whatever order the members arrived in", async () => {
    const barrier = new StepBarrier();
    const members = [5, 0, 7, 2, 1].map((rank) => ({rank, member: barrier.join(rank)}));
    const released: number[] = [];
    await Promise.all(members.map(({rank, member}) => member.step().then(() => released.push(rank))));
    expect(released).toEqual([0, 1, 2, 5, 7]);
  });
});
