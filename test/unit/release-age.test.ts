/** Release ages, PEP 700 upload times and uv's exclude-newer cooldowns. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUtc, lockCooldown, minimumAgeCooldown, parseExcludeNewer, parseSpan, parseTimestamp, releaseAge } from '../../server/src/core/releaseAge.js';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

describe('upload times', () => {
  it('reads PEP 700 and JSON API times exactly', () => {
    assert.equal(parseTimestamp('2026-05-04T22:59:38.133475Z'), at('2026-05-04T22:59:38.133Z') + 0.475);
    assert.equal(parseTimestamp('2024-06-24T11:02:03Z'), at('2024-06-24T11:02:03Z'));
    assert.equal(parseTimestamp('2024-06-24T13:02:03+02:00'), at('2024-06-24T11:02:03Z'));
    assert.equal(parseTimestamp('2024-06-24 11:02:03-0130'), at('2024-06-24T12:32:03Z'));
    assert.equal(parseTimestamp('2016-12-31T23:59:60Z'), at('2016-12-31T23:59:59Z'), 'a leap second');
  });

  it('refuses what is not a valid instant, without throwing', () => {
    for (const bad of [
      '',
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-06-24T24:00:00Z',
      '2024-06-24T11:02:03',
      '2024-06-24',
      'yesterday',
      '2024-06-24T11:02:03+25:00',
      '9'.repeat(10_000),
    ]) {
      assert.equal(parseTimestamp(bad), undefined, bad);
    }
    assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), at('2024-02-29T00:00:00Z'));
  });
});

describe('uv exclude-newer', () => {
  it('reads spans in both of the forms uv documents', () => {
    const ok = (text: string) => {
      const s = parseSpan(text);
      assert.ok(s.ok, `${text}: ${s.ok ? '' : s.message}`);
      return s.ms;
    };
    assert.equal(ok('7 days'), 7 * DAY);
    assert.equal(ok('3 days'), 3 * DAY);
    assert.equal(ok('1 week'), 7 * DAY);
    assert.equal(ok('24 hours'), DAY);
    assert.equal(ok('2 weeks, 3 days'), 17 * DAY);
    assert.equal(ok('1w 2d 12h'), 9.5 * DAY);
    assert.equal(ok('3 days ago'), 3 * DAY);
    assert.equal(ok('-3d'), 3 * DAY);
    assert.equal(ok('P7D'), 7 * DAY);
    assert.equal(ok('p3d'), 3 * DAY);
    assert.equal(ok('P1W'), 7 * DAY);
    assert.equal(ok('PT36H'), 1.5 * DAY);
    assert.equal(ok('P1DT12H30M'), 1.5 * DAY + 30 * 60_000);
  });

  it('refuses months and years as uv does, and says why', () => {
    for (const text of ['6 months', '1 year', 'P1M', 'P1Y']) {
      const s = parseSpan(text);
      assert.ok(!s.ok && /years or months/.test(s.message), text);
    }
    for (const text of ['', 'P', 'PT', 'soon', '7 fortnights', '7', 'days 7', '1 week and a day']) assert.equal(parseSpan(text).ok, false, text);
  });

  it('reads timestamps, dates (to the end of the day) and spans', () => {
    assert.deepEqual(parseExcludeNewer('2024-05-20T00:00:00Z'), { ok: true, cooldown: { kind: 'absolute', cutoff: at('2024-05-20T00:00:00Z') } });
    assert.deepEqual(parseExcludeNewer('2024-05-20', 'utc'), { ok: true, cooldown: { kind: 'absolute', cutoff: at('2024-05-21T00:00:00Z') } });
    assert.deepEqual(parseExcludeNewer('2024-05-20', 'local'), { ok: true, cooldown: { kind: 'absolute', cutoff: new Date(2024, 4, 21).getTime() } });
    assert.deepEqual(parseExcludeNewer('3 days'), { ok: true, cooldown: { kind: 'relative', spanMs: 3 * DAY } });
    assert.deepEqual(parseExcludeNewer(false), { ok: true, cooldown: 'disabled' });
    assert.deepEqual(parseExcludeNewer({ timestamp: '2024-05-20T00:00:00Z', span: 'P7D' }), { ok: true, cooldown: { kind: 'relative', spanMs: 7 * DAY } });
    for (const bad of [true, 7, null, [], {}, '2024-02-30', 'next tuesday']) assert.equal(parseExcludeNewer(bad).ok, false, JSON.stringify(bad));
  });

  it("reads a uv.lock's [options], where the span wins over the placeholder timestamp", () => {
    assert.deepEqual(lockCooldown({ 'exclude-newer': '0001-01-01T00:00:00Z', 'exclude-newer-span': 'P7D' }), {
      ok: true,
      cooldown: { kind: 'relative', spanMs: 7 * DAY },
    });
    assert.deepEqual(lockCooldown({ 'exclude-newer': '2025-01-01T00:00:00Z' }), {
      ok: true,
      cooldown: { kind: 'absolute', cutoff: at('2025-01-01T00:00:00Z') },
    });
    assert.equal(lockCooldown({ 'prerelease-mode': 'allow' }), undefined);
  });
});

describe('release age', () => {
  const now = at('2026-05-10T12:00:00Z');

  it('flags a release younger than the minimum age, with when it becomes old enough', () => {
    const week = minimumAgeCooldown(7)!;
    assert.deepEqual(releaseAge('2026-05-04T22:59:38Z', week, now), {
      uploadedAt: at('2026-05-04T22:59:38Z'),
      tooNew: true,
      oldEnoughAt: at('2026-05-11T22:59:38Z'),
    });
    assert.equal(releaseAge('2026-05-03T11:59:59Z', week, now)!.tooNew, false);
    assert.equal(releaseAge('2026-05-03T12:00:00Z', week, now)!.tooNew, false, 'exactly N days old is old enough');
    assert.equal(releaseAge('not a time', week, now), undefined);
    assert.equal(formatUtc(at('2026-05-11T22:59:38Z')), '2026-05-11 22:59 UTC');
  });

  it('flags a release uploaded after a fixed cutoff, which no wait will admit', () => {
    const fixed = { kind: 'absolute', cutoff: at('2026-05-01T00:00:00Z') } as const;
    assert.deepEqual(releaseAge('2026-05-04T22:59:38Z', fixed, now), { uploadedAt: at('2026-05-04T22:59:38Z'), tooNew: true });
    assert.equal(releaseAge('2026-04-30T23:59:59Z', fixed, now)!.tooNew, false);
  });

  it('takes only a sensible number of days as a setting', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '7', null, 1e9]) assert.equal(minimumAgeCooldown(bad), undefined, String(bad));
    assert.deepEqual(minimumAgeCooldown(0.5), { kind: 'relative', spanMs: DAY / 2 });
  });
});
