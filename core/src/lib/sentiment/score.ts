/**
 * Lexicon-and-rules Chinese sentiment of one short text (ADR 0047): jieba segmentation
 * (`@node-rs/jieba`, its bundled dictionary plus every lexicon word), valences from the vendored
 * AFINN-165 Chinese list corrected by Huiliu's overlay, then the rules of Chinese comments —
 * negators flip (dampened), degree adverbs scale, the part after an adversative (但是/不过…)
 * outweighs the part before, a concessive clause (虽然…) weighs less, exclamation marks
 * strengthen, questions and courtesy inside requests count little, WeChat emoticons and emoji add
 * their own valence. Pure and synchronous: the pool's worker calls it, and so do tests.
 */
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';
import afinnZh from './lexicon/afinn-165-zh.json' with { type: 'json' };
import {
  ADVERSATIVES,
  COURTESIES,
  CONCESSIVES,
  DEGREES,
  EMOJI,
  EXCLUDED_WORDS,
  KEPT_SINGLE_CHARACTERS,
  NEGATIONS,
  NEUTRAL_PHRASES,
  QUESTION_WORDS,
  REQUEST_WORDS,
  WECHAT_EMOTICONS,
  WORDS,
} from './lexicon/overlay.js';

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface SentimentResult {
  label: SentimentLabel;
  /** -1 … 1 (normalised sum of the weighted valences). */
  score: number;
}

/** |score| below this is neutral. */
export const NEUTRAL_BAND = 0.15;
/** The normalisation constant: score = raw / sqrt(raw² + ALPHA). */
const ALPHA = 8;
/** A negated word keeps this share of its valence, with the sign flipped (不好 is not -好). */
const NEGATION_DAMPING = 0.8;
/** Adversatives: the part before counts this much, the part after ADVERSATIVE_AFTER. */
const ADVERSATIVE_BEFORE = 0.5;
const ADVERSATIVE_AFTER = 1.5;
const CONCESSIVE_WEIGHT = 0.5;
/** Each ! (up to 3) adds this share to its clause. */
const EXCLAMATION_BOOST = 0.15;
/** A question's positive words mostly ask (有优惠吗); its negative ones still complain (怎么这么慢). */
const QUESTION_POSITIVE = 0.3;
const QUESTION_NEGATIVE = 0.8;
const COURTESY_IN_REQUEST = 0.2;

interface Lexicon {
  valence: Map<string, number>;
  negations: Set<string>;
  degrees: Map<string, number>;
  adversatives: Set<string>;
  concessives: Set<string>;
  courtesies: Set<string>;
  questionWords: Set<string>;
  requestWords: Set<string>;
  neutral: Set<string>;
  /** Longest key among the words the fallback splitter knows. */
  longest: number;
}

let lexicon: Lexicon | undefined;
let jieba: Jieba | undefined;

function buildLexicon(): Lexicon {
  const valence = new Map<string, number>();
  const excluded = new Set(EXCLUDED_WORDS);
  const keptSingles = new Set(KEPT_SINGLE_CHARACTERS);
  for (const [word, value] of Object.entries(afinnZh as Record<string, number>)) {
    // The translated list keeps untranslated English entries and a few with punctuation; only
    // Han words are used, single characters only when listed.
    if (!/^[\u4e00-\u9fff]+$/u.test(word) || excluded.has(word)) continue;
    if (word.length === 1 && !keptSingles.has(word)) continue;
    valence.set(word, value);
  }
  for (const [word, value] of Object.entries(WORDS)) valence.set(word.toLowerCase(), value);
  const degrees = new Map(Object.entries(DEGREES));
  const negations = new Set(NEGATIONS);
  let longest = 1;
  for (const word of [...valence.keys(), ...degrees.keys(), ...negations]) longest = Math.max(longest, word.length);
  return {
    valence,
    negations,
    degrees,
    adversatives: new Set(ADVERSATIVES),
    concessives: new Set(CONCESSIVES),
    courtesies: new Set(COURTESIES),
    questionWords: new Set(QUESTION_WORDS),
    requestWords: new Set(REQUEST_WORDS),
    neutral: new Set(NEUTRAL_PHRASES),
    longest,
  };
}

function segmenter(lex: Lexicon): Jieba {
  if (jieba) return jieba;
  // The native addon and its dictionary are CommonJS.
  const require = createRequire(import.meta.url);
  const { Jieba: JiebaClass } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
  const { dict } = require('@node-rs/jieba/dict.js') as typeof import('@node-rs/jieba/dict.js');
  // Every multi-character lexicon and rule word becomes a dictionary word, so 干货 or 不怎么样
  // come out whole. (loadDict replaces the dictionary: the bundled one and ours are joined.)
  const words = new Set<string>([
    ...lex.valence.keys(),
    ...lex.degrees.keys(),
    ...lex.negations,
    ...lex.adversatives,
    ...lex.concessives,
    ...lex.courtesies,
    ...lex.neutral,
  ]);
  const lines: string[] = [];
  for (const word of words) if (word.length > 1 && !/\s/u.test(word)) lines.push(`${word} 3000`);
  const instance = JiebaClass.withDict(Buffer.concat([Buffer.from(dict), Buffer.from(`\n${lines.join('\n')}\n`, 'utf8')]));
  jieba = instance;
  return instance;
}

const EMOTICON = /\[([\u4e00-\u9fffA-Za-z]{1,4})\]/gu;
const EMOJI_RUN = /\p{Extended_Pictographic}\u{FE0F}?/gu;
const CLAUSE = /[^,.!?;~…。、\n]+[,.!?;~…。、\n]*/gu;

/** Scores one text (synchronous; loads the segmenter on first use, ~0.2 s). */
export function scoreText(text: string): SentimentResult {
  lexicon ??= buildLexicon();
  const lex = lexicon;
  const cut = segmenter(lex);
  let raw = 0;
  let normalised = text.normalize('NFKC').toLowerCase();
  // Emoticons and emoji first: their valence is added as is, and they leave the text.
  normalised = normalised.replace(EMOTICON, (whole, name: string) => {
    const value = WECHAT_EMOTICONS[name] ?? WECHAT_EMOTICONS[name.toUpperCase()];
    if (value === undefined) return whole;
    raw += value * 0.6;
    return ' ';
  });
  normalised = normalised.replace(EMOJI_RUN, (emoji) => {
    raw += (EMOJI[emoji] ?? EMOJI[emoji.replace('\u{FE0F}', '')] ?? 0) * 0.6;
    return ' ';
  });
  // 一点都不 / 一点也没: the strongest negation, not a weak degree.
  normalised = normalised.replace(/一点(?:儿)?(?:都|也)(?=[不没])/gu, '根本');

  const clauses: { tokens: string[]; tail: string; isQuestion: boolean }[] = [];
  for (const match of normalised.matchAll(CLAUSE)) {
    const clause = match[0];
    const body = clause.replace(/[,.!?;~…。、\n]+$/u, '').trim();
    if (body === '') continue;
    const tail = clause.slice(body.length);
    const tokens = tokenize(cut, lex, body);
    const isQuestion = tail.includes('?') || tokens.some((token) => lex.questionWords.has(token));
    clauses.push({ tokens, tail, isQuestion });
  }
  const isRequest = clauses.some((clause) => clause.isQuestion || clause.tokens.some((token) => lex.requestWords.has(token)));

  let before = 0; // score before the last adversative
  let after = 0; // score since then
  let sawAdversative = false;
  for (const { tokens, tail, isQuestion } of clauses) {
    let clauseScore = 0;
    let negated = 0;
    let degree = 1;
    let concessive = false;
    const flushClause = (): void => {
      let value = clauseScore;
      if (concessive) value *= CONCESSIVE_WEIGHT;
      const bangs = Math.min(3, (tail.match(/!/gu) ?? []).length);
      value *= 1 + EXCLAMATION_BOOST * bangs;
      if (isQuestion) value *= value > 0 ? QUESTION_POSITIVE : QUESTION_NEGATIVE;
      after += value;
      clauseScore = 0;
    };
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (lex.adversatives.has(token)) {
        flushClause();
        before += after;
        after = 0;
        sawAdversative = true;
        negated = 0;
        degree = 1;
        if (!lex.valence.has(token)) continue;
      }
      if (lex.concessives.has(token)) {
        concessive = true;
        continue;
      }
      const next = tokens[i + 1];
      const nextIsSentiment = next !== undefined && lex.valence.has(next);
      // 好 / 真 before a sentiment word is a degree adverb (好难用, 真好看), not a word of its own.
      if (lex.degrees.has(token) && (!lex.valence.has(token) || nextIsSentiment)) {
        degree *= lex.degrees.get(token)!;
        continue;
      }
      if (lex.negations.has(token) && !lex.valence.has(token)) {
        negated++;
        continue;
      }
      // 好 right after a one-character verb means done (改好了, 弄好了), not good; 说得好 is good.
      const previous = tokens[i - 1];
      if (
        token === '好' &&
        previous !== undefined &&
        /^[\u4e00-\u9fff]$/u.test(previous) &&
        !isKnown(lex, previous) &&
        previous !== '得'
      ) {
        continue;
      }
      const value = lex.valence.get(token);
      if (value === undefined) continue;
      let weighted = value * degree;
      if (lex.courtesies.has(token) && isRequest) weighted *= COURTESY_IN_REQUEST;
      if (negated % 2 === 1) weighted = -weighted * NEGATION_DAMPING;
      clauseScore += weighted;
      negated = 0;
      degree = 1;
    }
    flushClause();
  }
  raw += sawAdversative ? before * ADVERSATIVE_BEFORE + after * ADVERSATIVE_AFTER : after;
  const score = raw / Math.sqrt(raw * raw + ALPHA);
  const rounded = Math.round(score * 1000) / 1000;
  return { label: labelOf(rounded), score: rounded };
}

/** The label of a score (also of a mean score, see aggregateSentiment). */
export function labelOf(score: number): SentimentLabel {
  if (score >= NEUTRAL_BAND) return 'positive';
  if (score <= -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}

/** The words scoreText sees (for tests and debugging). */
export function tokensOf(text: string): string[] {
  lexicon ??= buildLexicon();
  return tokenize(segmenter(lexicon), lexicon, text.normalize('NFKC').toLowerCase());
}

/**
 * jieba's words, refined: sentence-final particles come off (太棒了 → 太棒 了), reduplicated
 * adjectives count once (暖暖的 → 暖), and a word made only of known words is split into them
 * (挺快 → 挺 快) — any other word stays whole (打卡 is not 打 + 卡).
 */
function tokenize(cut: Jieba, lex: Lexicon, text: string): string[] {
  const out: string[] = [];
  for (const raw of cut.cut(text, false)) {
    let token = raw.trim();
    if (token === '') continue;
    let particle: string | undefined;
    if (token.length > 1 && !isKnown(lex, token) && !lex.neutral.has(token) && PARTICLES.has(token.at(-1)!)) {
      particle = token.at(-1)!;
      token = token.slice(0, -1);
    }
    if (token.length === 2 && token[0] === token[1] && isKnown(lex, token[0]!)) token = token[0]!;
    else if (token.length === 4 && token[0] === token[1] && token[2] === token[3] && isKnown(lex, token[0]! + token[2]!)) {
      token = token[0]! + token[2]!;
    }
    if (token.length === 1 || isKnown(lex, token) || lex.neutral.has(token)) out.push(token);
    else {
      const pieces = splitKnown(lex, token);
      if (pieces.every((piece) => isKnown(lex, piece))) out.push(...pieces);
      else out.push(token);
    }
    if (particle !== undefined) out.push(particle);
  }
  return out;
}

const PARTICLES = new Set(['了', '的', '啊', '呀', '吧', '啦', '哦', '呢', '嘛', '哈']);

function isKnown(lex: Lexicon, token: string): boolean {
  return lex.valence.has(token) || lex.degrees.has(token) || lex.negations.has(token) || lex.adversatives.has(token);
}

/** Forward maximum matching over the known words; unknown characters stay single. */
function splitKnown(lex: Lexicon, token: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < token.length) {
    let taken = 1;
    for (let len = Math.min(lex.longest, token.length - i); len > 1; len--) {
      if (isKnown(lex, token.slice(i, i + len))) {
        taken = len;
        break;
      }
    }
    out.push(token.slice(i, i + taken));
    i += taken;
  }
  return out;
}
