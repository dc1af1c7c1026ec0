import { describe, expect, it } from 'vitest';
import { EngineSlots } from '../../gmat/slots';

describe('EngineSlots', () => {
  it('grants at most `size` at once, then serves waiters first come, first served', async () => {
    const slots = new EngineSlots(2);
    const a = await slots.acquire();
    const b = await slots.acquire();
    expect(slots.available).toBe(0);
    const order: string[] = [];
    const c = slots.acquire().then((release) => (order.push('c'), release));
    const d = slots.acquire().then((release) => (order.push('d'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(slots.waiting).toBe(2);
    b();
    const releaseC = await c;
    expect(order).toEqual(['c']);
    b(); // releasing twice is a no-op: d must still wait
    await Promise.resolve();
    expect(order).toEqual(['c']);
    a();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect(slots.available).toBe(2);
  });

  it('an aborted waiter leaves the queue and rejects with the abort reason', async () => {
    const slots = new EngineSlots(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('run cancelled'));
    await expect(waiting).rejects.toThrow('run cancelled');
    expect(slots.waiting).toBe(0);
    held();
    expect(slots.available).toBe(1);
    await expect(slots.acquire(controller.signal)).rejects.toThrow('run cancelled');
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new EngineSlots(0)).toThrow('engine slots must be a positive integer, got 0');
  });
});
