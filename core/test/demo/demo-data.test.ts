import { describe, expect, it } from 'vitest';
import { ZonedClock } from '../../src/lib/zoned-clock.js';
import { aggregateSentiment, scoreText } from '../../src/lib/sentiment/index.js';
import { DEMO_ARTICLE_COMMENTS, DEMO_MESSAGES } from '../../src/modules/demo/demo-comments.js';
import { DEMO_CONTACTS, DEMO_DAYS, demoDays, generateDemo } from '../../src/modules/demo/demo-data.js';

describe('demo data (huiliu demo)', () => {
  const anchorDay = '2026-12-03';
  const data = generateDemo(anchorDay, 'Asia/Shanghai');

  it('is the same on every run: contacts, events and messageIds', () => {
    const again = generateDemo(anchorDay, 'Asia/Shanghai');
    expect(again.identifies.map((m) => m.messageId)).toEqual(data.identifies.map((m) => m.messageId));
    expect(again.events.length).toBe(data.events.length);
    expect(again.events.map((m) => m.messageId)).toEqual(data.events.map((m) => m.messageId));
    expect(again.contacts.map((c) => c.traits)).toEqual(data.contacts.map((c) => c.traits));
    expect(again.comments).toEqual(data.comments);
    // Another anchor day is other data (the demo keeps the anchor of its first run).
    expect(generateDemo('2026-12-04', 'Asia/Shanghai', 10).events[0]!.messageId).not.toBe(data.events[0]!.messageId);
  });

  it('has 5,000 distinct people with Chinese names, mobiles and places', () => {
    expect(data.contacts).toHaveLength(DEMO_CONTACTS);
    expect(new Set(data.contacts.map((c) => c.userId)).size).toBe(DEMO_CONTACTS);
    expect(new Set(data.contacts.map((c) => c.anonymousId)).size).toBe(DEMO_CONTACTS);
    const mobiles = data.contacts.map((c) => c.traits.mobilePhone as string);
    expect(new Set(mobiles).size).toBe(DEMO_CONTACTS);
    expect(mobiles.every((m) => /^1[3-9]\d{9}$/.test(m))).toBe(true);
    expect(data.contacts.every((c) => /^[\u4e00-\u9fa5]{2,4}$/.test(c.traits.name as string))).toBe(true);
    expect(new Set(data.contacts.map((c) => c.traits.state)).size).toBeGreaterThan(20);
    expect(new Set(data.contacts.map((c) => c.source))).toEqual(new Set(['web', 'ios', 'miniprogram']));
  });

  it('spreads ~200,000 events over the 60 days before the anchor, with purchases every day and churn', () => {
    expect(data.events.length).toBeGreaterThan(180_000);
    expect(data.events.length).toBeLessThan(230_000);
    const clock = new ZonedClock('Asia/Shanghai');
    const days = demoDays(anchorDay, 'Asia/Shanghai').map((d) => d.date);
    expect(days).toHaveLength(DEMO_DAYS);
    expect(days[0]).toBe('2026-10-04');
    expect(days[DEMO_DAYS - 1]).toBe('2026-12-02');
    const eventDays = new Set(data.events.map((e) => clock.localDate(e.timestamp)));
    expect([...eventDays].sort()).toEqual(days);
    const payDays = new Set(data.events.filter((e) => e.event === 'pay_order').map((e) => clock.localDate(e.timestamp)));
    expect(payDays.size).toBe(DEMO_DAYS);
    // The funnel narrows: views > carts > orders > payments.
    const count = (event: string) => data.events.filter((e) => e.event === event).length;
    expect(count('view_product')).toBeGreaterThan(count('add_to_cart'));
    expect(count('add_to_cart')).toBeGreaterThan(count('submit_order'));
    expect(count('submit_order')).toBeGreaterThan(count('pay_order'));
    // Repeat purchases: some people pay more than once.
    const payers = new Map<string, number>();
    for (const e of data.events) if (e.event === 'pay_order') payers.set(e.userId, (payers.get(e.userId) ?? 0) + 1);
    expect([...payers.values()].filter((n) => n > 1).length).toBeGreaterThan(200);
    // Churn: some people stop coming well before the end.
    const last = new Map<string, number>();
    for (const e of data.events) last.set(e.userId, e.timestamp);
    const end = clock.fromLocal(Date.parse(`${days[DEMO_DAYS - 1]}T00:00:00Z`));
    expect([...last.values()].filter((t) => t < end - 20 * 86_400_000).length).toBeGreaterThan(300);
    // Daily rhythm: the evening is busier than the small hours.
    const hour = (e: { timestamp: number }) => new Date(e.timestamp + 8 * 3_600_000).getUTCHours();
    expect(data.events.filter((e) => hour(e) === 21).length).toBeGreaterThan(5 * data.events.filter((e) => hour(e) === 4).length);
    // Every event's person was identified no later than the event.
    const signup = new Map(data.identifies.map((m) => [m.userId, m.timestamp]));
    expect(data.events.every((e) => e.timestamp >= signup.get(e.userId)!)).toBe(true);
    // …and nothing falls on the anchor day, which may be today (a future event would be refused).
    expect(data.events.every((e) => e.timestamp < end + 86_400_000)).toBe(true);
  });

  it('gives a quarter of the people a WeChat fan and some of them comments and messages (ADR 0047)', () => {
    const followers = data.contacts.filter((c) => c.openId !== null);
    expect(followers.length / DEMO_CONTACTS).toBeGreaterThan(0.2);
    expect(followers.length / DEMO_CONTACTS).toBeLessThan(0.3);
    expect(new Set(followers.map((c) => c.openId)).size).toBe(followers.length);
    expect(followers.every((c) => /^o[A-Za-z0-9_-]{27}$/.test(c.openId!))).toBe(true);
    expect(data.comments.length).toBeGreaterThan(1000);
    expect(new Set(data.comments.map((c) => c.messageId)).size).toBe(data.comments.length);
    expect(new Set(data.comments.map((c) => c.event))).toEqual(new Set(['wechat_send_text', 'wechat_comment_article']));
    const pool = new Set([...DEMO_ARTICLE_COMMENTS, ...DEMO_MESSAGES].map((c) => c.text));
    expect(data.comments.every((c) => typeof c.properties.s_content === 'string' && pool.has(c.properties.s_content))).toBe(true);
    expect(
      data.comments
        .filter((c) => c.event === 'wechat_comment_article')
        .every((c) => typeof c.properties.s_articleTitle === 'string' && Number.isInteger(c.properties.s_articleIndex)),
    ).toBe(true);
    // Each written after its writer signed up, none on or after the anchor day.
    const byOpenId = new Map(followers.map((c) => [c.openId, c]));
    const end = Date.parse(`${anchorDay}T00:00:00+08:00`);
    expect(data.comments.every((c) => c.timestamp > byOpenId.get(c.openId)!.signupAt && c.timestamp < end)).toBe(true);
    // Writers have moods: per fan, the analyzer finds all three labels among the people.
    const perFan = new Map<string, { score: number }[]>();
    for (const c of data.comments)
      perFan.set(c.openId, [...(perFan.get(c.openId) ?? []), scoreText(String(c.properties.s_content))]);
    const labels = [...perFan.values()].map((scores) => aggregateSentiment(scores)!.label);
    for (const label of ['positive', 'neutral', 'negative'] as const) {
      expect(labels.filter((l) => l === label).length, label).toBeGreaterThan(perFan.size / 10);
    }
  });
});
