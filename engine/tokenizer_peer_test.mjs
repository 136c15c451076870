// Compares `lfmbench tokenize` with llama.cpp's tokenizer (../shared/tools/peer.mjs). Run by
// tokenizer_peer_test.sh:
//   node tokenizer_peer_test.mjs texts LFMBENCH PEER SHARED_TEXTS_JSONL WORK MODEL.gguf...
//     the shared reference texts, edge cases and seeded random texts, with and without special
//     tokens and BOS, on each model;
//   node tokenizer_peer_test.mjs classes LFMBENCH PEER MODEL.gguf WORK
//     the class the pre-tokenizer gives every code point >= U+0080 (letter, number, white space,
//     other), seen through a probe vocabulary made from MODEL (a generated one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [mode, lfmbench, peer, ...rest] = process.argv.slice(2);

function peerTokenize(model, texts, work, flags = []) {
  const file = path.join(work, 'texts.jsonl');
  fs.writeFileSync(file, texts.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const out = execFileSync('node', [peer, 'tokenize', model, '--texts-file', file, ...flags],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ids = out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).ids);
  if (ids.length !== texts.length) throw new Error(`peer returned ${ids.length} results for ${texts.length} texts`);
  return ids;
}

function ourTokenize(model, text, flags) {
  return JSON.parse(execFileSync(lfmbench, ['tokenize', '-m', model, '--text', text, '--json', ...flags],
    { encoding: 'utf8', maxBuffer: 1 << 28 })).ids;
}

// ---------------------------------------------------------------------------------------------
// texts

// Edge cases of the lfm2 split, special tokens and Unicode classes.
const kEdgeCases = [
  '', ' ', '\n', '\r\n', 'a\u0085\u0085b', 'x\u2028\u2029y', '\u3000\u3000z', 'a\u00a0\u00a0',
  'zero\u200bwidth', 'bom\ufeffx', 'mongolian\u180evs', "'\u017f 'S'T'RE'VE'M'LL'D 's't're've'm'll'd",
  "don't I'M we'Ve", '1234567890 12 123 1234', '\u0663\u0664\u0665\u0666 \u0967\u0968\u0969\u096a',
  'x\u00b2\u00b3 \u216b\u2167 \u00bd', 'e\u0301\u0302x \u0915\u094d\u0937', '\r\n\r\n \r\n\t\t \n',
  'tabs\t\t\tend\t', 'trailing   ', '   leading', 'a  \n\n  b', '?!\n\n\nok', '...\r\n',
  '<|im_start|><|im_end|><|tool_call_start|>[f(x=1)]<|tool_call_end|>', 'a<|im_end|>b',
  '<|im_<|im_end|>|>', '<|startoftext|><|startoftext|>', '<|reserved_4|> <|pad|>',
  '\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 \u2764\ufe0f \ud83c\uddef\ud83c\uddf5',
  '\ud835\udc00\ud835\udc01 \uff21\uff22\uff23\uff11\uff12\uff13', '\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22',
  '\u1100\u1161\u11a8 \uac00', '\u0378\u0379 \ue000\uf8ff \ufffd \uffff', 'caf\u00e9 na\u00efve \u00dcn\u00efc\u00f6d\u00e9',
  'snake_case_name CamelCase kebab-case #include <stdio.h>', 'https://example.com/a?b=c&d=e#f',
  '{"a": [1, 2], "b": null}', 'def f(x):\n    return x ** 2\n', '$$\\frac{1}{2}$$ \u2200x\u2208\u211d',
];

// Deterministic pseudo-random texts (mulberry32) over the character classes above.
function* randomTexts(seed, count) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ranges = [
    [0x61, 0x7a], [0x41, 0x5a], [0x30, 0x39], [0x20, 0x20], [0x20, 0x20], [0x0a, 0x0a], [0x0d, 0x0d],
    [0x09, 0x09], [0x21, 0x2f], [0x27, 0x27], [0x80, 0x7ff], [0x300, 0x36f], [0x85, 0x85], [0xa0, 0xa0],
    [0x2000, 0x200d], [0x3000, 0x3000], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x600, 0x6ff],
    [0x1f600, 0x1f64f], [0x1f1e6, 0x1f1ff], [0xe000, 0xf8ff], [0x10000, 0x10ffff],
  ];
  const specials = ['<|im_start|>', '<|im_end|>', '<|startoftext|>', '<|endoftext|>', '<|tool_list_start|>'];
  for (let i = 0; i < count; i++) {
    let text = '';
    const n = 1 + Math.floor(rand() * 40);
    for (let k = 0; k < n; k++) {
      if (rand() < 0.03) { text += specials[Math.floor(rand() * specials.length)]; continue; }
      const [lo, hi] = ranges[Math.floor(rand() * ranges.length)];
      const cp = lo + Math.floor(rand() * (hi - lo + 1));
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // not a scalar value: no UTF-8 for it
      text += String.fromCodePoint(cp);
    }
    yield text;
  }
}

function compareTexts(sharedTexts, work, models) {
  const texts = [
    ...fs.readFileSync(sharedTexts, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).text),
    ...kEdgeCases,
    ...randomTexts(1234, 150),
  ];
  // [peer flags, lfmbench flags] of each mode
  const modes = [[[], ['--no-bos']], [['--no-special'], ['--no-bos', '--no-special']], [['--add-bos'], []]];
  let failures = 0;
  let compared = 0;
  for (const model of models) {
    for (const [peerFlags, ourFlags] of modes) {
      const expected = peerTokenize(model, texts, work, peerFlags);
      texts.forEach((text, i) => {
        const ours = ourTokenize(model, text, ourFlags);
        compared++;
        if (JSON.stringify(ours) === JSON.stringify(expected[i])) return;
        if (++failures <= 10) {
          console.log(`MISMATCH ${path.basename(model)} [${ourFlags.join(' ')}] ${JSON.stringify(text)}\n` +
            `  lfmbench  ${JSON.stringify(ours)}\n  llama.cpp ${JSON.stringify(expected[i])}`);
        }
      });
    }
  }
  console.log(`tokenizer_peer_test: ${compared - failures}/${compared} tokenizations equal to llama.cpp's ` +
    `(${texts.length} texts x ${modes.length} modes x ${models.length} model(s))`);
  return failures === 0;
}

// ---------------------------------------------------------------------------------------------
// classes
//
// A split difference shows in token ids only where a merge crosses it, so the probe vocabulary
// has, for every UTF-8 lead byte X, tokens "qX", "1X" and "!X" made by merges "q X", "1 X", "! X"
// (no other merges). In "q<c>\n1<c>\n!<c>\n" the q joins c's first byte iff c is a letter (one
// \p{L}+ piece), the 1 iff c is a number, the ! iff c is neither nor white space.

const kByteToken = 14;  // byte b is token 14 + b in generated vocabularies
const kFirstProbe = 270;
const kLeads = Array.from({ length: 0xf5 - 0xc2 }, (_, i) => 0xc2 + i);

// GPT-2 byte-level text of `bytes` (engine/byte_unicode.h).
function byteLevel(bytes) {
  const standsForItself = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae);
  const table = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table.push(standsForItself(b) ? b : next++);
  return String.fromCodePoint(...bytes.map((b) => table[b]));
}

// Copies a GGUF file with tokenizer.ggml.tokens and .merges edited (tensors untouched).
function writeProbeModel(src, dst) {
  const buf = fs.readFileSync(src);
  let pos = 0;
  const u32 = () => { pos += 4; return buf.readUInt32LE(pos - 4); };
  const u64 = () => { pos += 8; return Number(buf.readBigUInt64LE(pos - 8)); };
  const str = () => { const n = u64(); pos += n; return buf.subarray(pos - n, pos).toString(); };
  const kSize = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const value = (t) => {
    if (t === 8) return str();
    if (t !== 9) { pos += kSize[t]; return null; }
    const et = u32(); const n = u64();
    return Array.from({ length: n }, () => value(et));
  };
  const encodeStrings = (key, list) => {
    const parts = [Buffer.alloc(8), Buffer.from(key), Buffer.alloc(16)];
    parts[0].writeBigUInt64LE(BigInt(Buffer.byteLength(key)));
    parts[2].writeUInt32LE(9, 0); parts[2].writeUInt32LE(8, 4); parts[2].writeBigUInt64LE(BigInt(list.length), 8);
    for (const s of list) {
      const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(Buffer.byteLength(s)));
      parts.push(len, Buffer.from(s));
    }
    return Buffer.concat(parts);
  };
  pos = 8;
  const nTensors = u64(); const nKv = u64();
  const parts = [buf.subarray(0, 24)];
  let alignment = 32;
  for (let i = 0; i < nKv; i++) {
    const start = pos; const key = str(); const type = u32();
    if (key === 'general.alignment') alignment = buf.readUInt32LE(pos);
    const v = value(type);
    if (key === 'tokenizer.ggml.tokens') {
      ['q', '1', '!'].forEach((p, k) => kLeads.forEach((x, j) => {
        v[kFirstProbe + k * kLeads.length + j] = byteLevel([p.charCodeAt(0), x]);
      }));
      parts.push(encodeStrings(key, v));
    } else if (key === 'tokenizer.ggml.merges') {
      parts.push(encodeStrings(key, ['q', '1', '!'].flatMap((p) => kLeads.map((x) => `${p} ${byteLevel([x])}`))));
    } else {
      parts.push(buf.subarray(start, pos));
    }
  }
  const infoStart = pos;
  for (let i = 0; i < nTensors; i++) { str(); const nDims = u32(); pos += 8 * nDims + 12; }
  parts.push(buf.subarray(infoStart, pos));
  const head = Buffer.concat(parts);
  const dataStart = Math.ceil(pos / alignment) * alignment;
  fs.writeFileSync(dst, Buffer.concat([head, Buffer.alloc((alignment - (head.length % alignment)) % alignment),
    buf.subarray(dataStart)]));
}

// One class letter per code point of a probe text's ids: L, N, O (other) or W (white space).
function classes(ids) {
  const lines = [[]];
  for (const id of ids) {
    if (id === kByteToken + 0x0a) lines.push([]); else lines[lines.length - 1].push(id);
  }
  const joined = (line) => line.some((id) => id >= kFirstProbe && id < kFirstProbe + 3 * kLeads.length);
  const out = [];
  for (let i = 0; i + 2 < lines.length; i += 3) {
    out.push(joined(lines[i]) ? 'L' : joined(lines[i + 1]) ? 'N' : joined(lines[i + 2]) ? 'O' : 'W');
  }
  return out;
}

function compareClasses(model, work) {
  const probe = path.join(work, 'probe.gguf');
  writeProbeModel(model, probe);
  const cps = [];
  for (let c = 0x80; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) cps.push(c);
  const kChunk = 2000;
  const texts = [];
  for (let i = 0; i < cps.length; i += kChunk) {
    texts.push(cps.slice(i, i + kChunk).map((c) => String.fromCodePoint(c))
      .map((s) => `q${s}\n1${s}\n!${s}\n`).join(''));
  }
  const expected = peerTokenize(probe, texts, work);
  const differ = {};
  const counts = {};
  texts.forEach((text, k) => {
    const ours = classes(ourTokenize(probe, text, ['--no-bos']));
    const theirs = classes(expected[k]);
    if (theirs.length !== Math.min(kChunk, cps.length - k * kChunk)) throw new Error('probe text out of step');
    theirs.forEach((cls, i) => {
      counts[cls] = (counts[cls] ?? 0) + 1;
      if (ours[i] !== cls) (differ[`lfmbench ${ours[i]}, llama.cpp ${cls}`] ??= []).push(cps[k * kChunk + i]);
    });
  });
  for (const [what, list] of Object.entries(differ)) {
    const hex = list.slice(0, 20).map((c) => c.toString(16).toUpperCase()).join(' ');
    console.log(`CLASS MISMATCH ${what}: ${list.length} code points: ${hex}${list.length > 20 ? ' ...' : ''}`);
  }
  const n = Object.values(differ).reduce((a, l) => a + l.length, 0);
  console.log(`tokenizer_peer_test: ${cps.length - n}/${cps.length} code points in llama.cpp's class ` +
    `(llama.cpp: ${Object.entries(counts).map(([c, m]) => `${m} ${c}`).join(', ')})`);
  return n === 0;
}

const ok = mode === 'texts' ? compareTexts(rest[0], rest[1], rest.slice(2)) : compareClasses(rest[0], rest[1]);
process.exit(ok ? 0 : 1);
