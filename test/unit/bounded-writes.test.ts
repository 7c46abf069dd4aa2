import { BoundedWrites } from '../../activities/bounded-writes';

/** A write that finishes when the test says so. */
function deferred() {
  let finish!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
  return { done, finish };
}

test('never runs more than the limit at once, and drain waits for the last write', async () => {
  const writes = new BoundedWrites(2);
  let running = 0;
  let peak = 0;
  let finished = 0;
  const gates = Array.from({ length: 5 }, deferred);
  const adding = (async () => {
    for (const gate of gates) {
      await writes.add(async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.done;
        running--;
        finished++;
      });
    }
  })();
  for (const gate of gates) {
    await new Promise((r) => setImmediate(r));
    gate.finish();
  }
  await adding;
  await writes.drain();
  expect(finished).toBe(5);
  expect(peak).toBe(2);
});

test('the first failure is thrown by the next add, and settle still waits for the write in flight', async () => {
  const writes = new BoundedWrites(2);
  const slow = deferred();
  let slowFinished = false;
  await writes.add(async () => {
    await slow.done;
    slowFinished = true;
  });
  await writes.add(() => Promise.reject(new Error('unique violation')));
  await new Promise((r) => setImmediate(r));
  await expect(writes.add(async () => undefined)).rejects.toThrow('unique violation');
  const settled = writes.settle();
  slow.finish();
  await settled;
  expect(slowFinished).toBe(true);
  await expect(writes.drain()).rejects.toThrow('unique violation');
});

test('refuses a limit that is not a positive whole number', () => {
  expect(() => new BoundedWrites(0)).toThrow('limit must be a positive integer, got 0');
  expect(() => new BoundedWrites(1.5)).toThrow('positive integer');
});
