import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spill } from '../../output/spill';
import { tempDir } from '../helpers/temporal';

const root = tempDir('gsweep-spill-test-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('Spill: records on local disk by number', () => {
  it('gives back what was set, the latest for a number set twice, nothing once deleted', () => {
    const spill = new Spill(root);
    spill.set(3, Buffer.from('{"run_id":3}'));
    spill.set(1, Buffer.from('{"run_id":1,"status":"failed"}'));
    spill.set(1, Buffer.from('{"run_id":1,"status":"ok"}'));
    spill.set(7, Buffer.alloc(0));
    expect(spill.get(3)?.toString()).toBe('{"run_id":3}');
    expect(spill.get(1)?.toString()).toBe('{"run_id":1,"status":"ok"}');
    expect(spill.get(7)?.length).toBe(0);
    expect(spill.get(2)).toBeUndefined();
    spill.delete(3);
    expect(spill.get(3)).toBeUndefined();
    spill.close();
  });

  it('keeps its records in one private file under the root, removed on close', () => {
    const spill = new Spill(root);
    spill.set(0, Buffer.alloc(70_000, 1));
    const made = fs.readdirSync(root).filter((n) => n.startsWith('gsweep-spill-'));
    expect(made).toHaveLength(1);
    const dir = path.join(root, made[0] as string);
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect(fs.readdirSync(dir)).toEqual(['records']);
    expect(fs.statSync(path.join(dir, 'records')).size).toBe(70_000);
    expect(spill.get(0)?.equals(Buffer.alloc(70_000, 1))).toBe(true);
    spill.close();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
