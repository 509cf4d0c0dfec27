import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommitter, type ItemResult } from '../../src/engine/accept/group-commit.js';
import { ApiError } from '../../src/errors.js';

/** A flush that records its batches and waits for `release()` before answering. */
function recordingFlush() {
  const batches: number[][] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  const flush = async (items: readonly number[]): Promise<ItemResult<string>[]> => {
    batches.push([...items]);
    await gate;
    return items.map((item) => (item < 0 ? { ok: false, error: new Error(`bad ${item}`) } : { ok: true, value: `v${item}` }));
  };
  return {
    batches,
    flush,
    open() {
      release();
      gate = Promise.resolve();
    },
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  test('items of one event-loop turn share a flush, items that arrive while it runs share the next; each caller gets its own answer', async () => {
    const f = recordingFlush();
    const committer = new GroupCommitter(f.flush, { batch_size_max: 100, flushes_in_flight_max: 1, pending_max: 1000 });
    const answer = (item: number) => committer.submit(item).then(String, (error: Error) => error.message);
    const first = [1, 2].map(answer);
    assert.deepEqual(f.batches, [], 'nothing flushes before the turn ends');
    await nextTurn();
    assert.deepEqual(f.batches, [[1, 2]]);
    const second = [3, -4, 5].map(answer);
    await nextTurn();
    assert.deepEqual(f.batches, [[1, 2]], 'the only slot is busy');
    f.open();
    assert.deepEqual(await Promise.all([...first, ...second]), ['v1', 'v2', 'v3', 'bad -4', 'v5']);
    assert.deepEqual(f.batches, [
      [1, 2],
      [3, -4, 5],
    ]);
  });

  test('a flush carries at most batch_size_max items, and flushes_in_flight_max run at once', async () => {
    const f = recordingFlush();
    const committer = new GroupCommitter(f.flush, { batch_size_max: 2, flushes_in_flight_max: 2, pending_max: 1000 });
    const answers = [1, 2, 3, 4, 5, 6, 7].map((item) => committer.submit(item));
    await nextTurn();
    assert.deepEqual(f.batches, [
      [1, 2],
      [3, 4],
    ]);
    f.open();
    assert.deepEqual(await Promise.all(answers), ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
    assert.ok(f.batches.every((batch) => batch.length <= 2));
    assert.deepEqual(f.batches.flat(), [1, 2, 3, 4, 5, 6, 7]);
  });

  test('a flush that throws fails its own items only', async () => {
    let calls = 0;
    const committer = new GroupCommitter(
      async (items: readonly number[]): Promise<ItemResult<number>[]> => {
        calls += 1;
        if (calls === 1) throw new Error('connection lost');
        return items.map((value) => ({ ok: true, value }));
      },
      { batch_size_max: 10, flushes_in_flight_max: 1, pending_max: 10 },
    );
    const first = assert.rejects(committer.submit(1), /connection lost/);
    await nextTurn();
    const second = committer.submit(2);
    await first;
    assert.equal(await second, 2);
  });

  test('beyond pending_max new items are refused at once with 429', async () => {
    const f = recordingFlush();
    const committer = new GroupCommitter(f.flush, { batch_size_max: 10, flushes_in_flight_max: 1, pending_max: 2 });
    const flushing = committer.submit(1);
    await nextTurn();
    const waiting = [2, 3].map((item) => committer.submit(item));
    const refused = await committer.submit(4).catch((error: unknown) => error);
    assert.ok(refused instanceof ApiError);
    assert.equal(refused.status, 429);
    f.open();
    assert.deepEqual(await Promise.all([flushing, ...waiting]), ['v1', 'v2', 'v3']);
  });
});

describe('group commit invariants', () => {
  test('a flush that returns fewer verdicts than requests fails every caller of it instead of leaving one waiting', async () => {
    const short = new GroupCommitter<number, string>(
      async (items) => items.slice(1).map((item) => ({ ok: true, value: `v${item}` })),
      {
        batch_size_max: 10,
        flushes_in_flight_max: 1,
        pending_max: 100,
      },
    );
    const answers = await Promise.allSettled([short.submit(1), short.submit(2)]);
    for (const answer of answers) {
      assert.equal(answer.status, 'rejected');
      assert.match(String((answer as PromiseRejectedResult).reason), /1 verdicts for 2 requests/);
    }
  });
});
