// Guessable passwords, for the checklist of a new password: the port of the API's
// layers/common/cmi/domain/guessable.py (read its docstring for the why). Same tables, same steps in
// the same order, on code points as Python counts them: tests/unit/test_passwords.py runs both on
// the same passwords. No DOM here, so that the test runs this file under node as it is.
// Loaded by password.js with import() when a new password field is first used, with the word list:
// neither weighs on a page before that, nor at all on the login page.

const MIN_CORE = 3;
/** @type {Readonly<Record<string, string>>} */
const LEET = Object.freeze({
  "@": "a",
  "4": "a",
  "3": "e",
  "€": "e",
  "0": "o",
  "!": "i",
  "|": "l",
  "$": "s",
  "5": "s",
  "7": "t",
});
const ONE = "1";
const ONE_READINGS = ["i", "l"];
const ONE_COMBINATIONS = 4;
const MAX_EDGE = 4;
const SEQUENCES = [
  "abcdefghijklmnopqrstuvwxyz",
  "azertyuiopqsdfghjklmwxcvbn",
  "qwertyuiopasdfghjklzxcvbnm",
  "qwertzuiopasdfghjklyxcvbnm",
  "aqwzsxedcrfvtgbyhnujikolpm",
  "qazwsxedcrfvtgbyhnujmikolp",
];
const RUNS = SEQUENCES.flatMap((forward) => [forward, [...forward].reverse().join("")]);
const LIGATURES = [
  ["œ", "oe"],
  ["æ", "ae"],
];

/**
 * Lowercase, compatibility-decomposed, without accents or ligatures (Python: fold).
 * @param {string} text
 */
export function fold(text) {
  let folded = text.normalize("NFKD").toLowerCase().replace(/\p{Mn}/gu, "");
  for (const [ligature, letters] of LIGATURES) {
    folded = folded.replaceAll(ligature, letters);
  }
  return folded;
}

/** @param {string} char */
const isLetter = (char) => /^\p{L}$/u.test(char);
/** @param {string} char */
const isDigit = (char) => char >= "0" && char <= "9";
/** @param {string} char */
const isLookalike = (char) => Object.hasOwn(LEET, char) || char === ONE;
/** @param {string} text */
const length = (text) => [...text].length;

/**
 * `chars` with look-alikes read as letters and separators dropped, every way "1" may be read (Python: _readings).
 * @param {string[]} chars
 */
function readings(chars) {
  let plain = "";
  for (const char of chars) {
    if (isLetter(char) || char === ONE) {
      plain += char;
    } else if (Object.hasOwn(LEET, char)) {
      plain += LEET[char];
    } else if (isDigit(char)) {
      plain += char; // a digit that is no letter splits the word: kept
    } // anything else (space, dash, dot, other symbols) separates parts of one word: dropped
  }
  const parts = plain.split(ONE);
  const count = parts.length - 1;
  if (count === 0) {
    return [plain];
  }
  if (count > ONE_COMBINATIONS) {
    return ONE_READINGS.map((reading) => parts.join(reading));
  }
  // In the order of Python's itertools.product: the first "1" changes slowest.
  const found = [];
  for (let choice = 0; choice < 2 ** count; choice += 1) {
    let reading = parts[0];
    for (let k = 1; k <= count; k += 1) {
      reading += ONE_READINGS[(choice >> (count - k)) & 1] + parts[k];
    }
    found.push(reading);
  }
  return found;
}

/**
 * Where the core may start and end (Python: _edges), or null without any letter.
 * @param {string[]} chars
 * @returns {[number[], number[]] | null}
 */
function edges(chars) {
  const first = chars.findIndex(isLetter);
  if (first < 0) {
    return null;
  }
  const last = chars.findLastIndex(isLetter);
  const starts = [first];
  for (let start = first; starts.length <= MAX_EDGE && start > 0 && isLookalike(chars[start - 1]); start -= 1) {
    starts.push(start - 1);
  }
  const ends = [last + 1];
  for (let end = last + 1; ends.length <= MAX_EDGE && end < chars.length && isLookalike(chars[end]); end += 1) {
    ends.push(end + 1);
  }
  return [starts, ends];
}

/**
 * The candidate cores of a password, without duplicates, the tightest first (Python: cores).
 * @param {string} password
 */
export function cores(password) {
  const chars = [...fold(password)];
  const bounds = edges(chars);
  if (!bounds) {
    return [];
  }
  const found = new Set();
  for (const start of bounds[0]) {
    for (const end of bounds[1]) {
      for (const reading of readings(chars.slice(start, end))) {
        if (length(reading) >= MIN_CORE) {
          found.add(reading);
        }
      }
    }
  }
  return [...found];
}

/**
 * One character repeated, or a run of the alphabet or of a keyboard row or column (Python: is_pattern).
 * @param {string} core
 */
export function isPattern(core) {
  if (length(core) < MIN_CORE) {
    return false;
  }
  return new Set(core).size === 1 || RUNS.some((run) => run.includes(core));
}

/**
 * Whether one of the password's cores is in `words` or a pattern (Python: guessable).
 * @param {string} password
 * @param {Set<string>} words
 */
export function guessable(password, words) {
  return cores(password).some((core) => words.has(core) || isPattern(core));
}

/**
 * The cores of the published word list (comment lines start with #).
 * @param {string} text
 */
export function parseWords(text) {
  return new Set(text.split("\n").filter((line) => line && !line.startsWith("#")));
}

/** @type {Promise<Set<string>> | null} */
let loading = null;

/**
 * The word list, fetched once; a failed fetch is tried again at the next call.
 * @param {string} url
 */
export function loadWords(url) {
  if (!loading) {
    loading = fetch(url, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) {
        throw new Error(`${url}: ${response.status}`);
      }
      return response.text().then(parseWords);
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
