/**
 * Reading a pyproject.toml as TOML, and as much of it as can be read when it does not parse:
 * one syntax-error problem, and programs for the parts that still parse.
 */
import { parseTOML, ParseError, type AST } from 'toml-eslint-parser';
import type { LineMap } from '../text.js';
import type { ParseProblem } from '../types.js';
import { multilineStrings } from './tokens.js';

/** Parses of one section with lines blanked before it is given up. */
const MAX_RECOVERY_ATTEMPTS = 20;
/** Re-parsing after errors stops once this much time went into it (the first parse included): a broken file must not stall the editor. */
const RECOVERY_BUDGET_MS = 100;

/**
 * pip, build, uv and Python's tomllib read TOML 1.0; the parser's default, 1.1, also takes
 * inline tables over several lines, trailing commas in them and `\x`/`\e` escapes, which
 * those tools reject.
 */
const TOML_OPTIONS = { tomlVersion: '1.0' } as const;

/**
 * The whole file as one program when it parses. Otherwise one syntax-error problem, and
 * programs for the parts that can still be read, their ranges in the whole text.
 */
export function readToml(text: string, map: LineMap, problems: ParseProblem[]): AST.TOMLProgram[] {
  const started = performance.now();
  try {
    return [parseTOML(text, TOML_OPTIONS)];
  } catch (e) {
    if (!(e instanceof ParseError)) {
      // Deep values are emptied before parsing (nesting.ts); should the parser still fail
      // otherwise, the file is reported, not the server.
      problems.push({
        code: 'syntax-error',
        message: `This file could not be read as TOML: ${e instanceof Error ? e.message : String(e)}`,
        range: map.range(0, 0),
      });
      return [];
    }
    const recovery = new Recovery(text, map, started + RECOVERY_BUDGET_MS);
    recovery.run(e);
    problems.push(recovery.problem(e));
    return recovery.programs;
  }
}

/**
 * Reads what it can of a file that does not parse. The TOML parser stops at the first error,
 * often a line or more after its cause (an unclosed `[header`, a key without `=`, an
 * unterminated string, array or inline table), so blanking the line it names can lose good
 * lines and keep the bad one. Instead the file is cut into sections at lines that look like
 * table headers; a part that fails is halved at a section boundary until single failing
 * sections remain (for one broken section about three parses of the text in all, not one per
 * section), and only those lose lines: the line at fault is blanked (replaced by spaces, so
 * offsets stay exact), the section parsed again, and so on. Sections that parse keep all
 * their dependencies, with their ranges in the whole text.

 */
class Recovery {
  readonly programs: AST.TOMLProgram[] = [];
  /** Offsets where sections start: 0, then each line that looks like a table header. */
  private readonly starts: number[] = [0];
  /** Where the first section that failed on its own went wrong, for the one diagnostic. */
  private fault: { line: number; index: number; message: string; detectedLine: number; sectionStart: number } | undefined;

  constructor(
    private readonly text: string,
    private readonly map: LineMap,
    private readonly deadline: number,
  ) {
    const lineStarts = map.lineStarts;
    const strings = multilineStrings(text);
    let s = 0;
    for (let line = 1; line < lineStarts.length; line++) {
      const start = lineStarts[line]!;
      while (s < strings.length && strings[s]![1] <= start) s++;
      const inString = s < strings.length && strings[s]![0] < start;
      if (!inString && looksLikeHeader(text, start, map.lineEnd(line))) this.starts.push(start);
    }
  }

  run(error: ParseError): void {
    this.failed(0, this.starts.length, error);
  }

  private end(section: number): number {
    return this.starts[section] ?? this.text.length;
  }

  /** Sections [from, to) read as one text. */
  private attempt(from: number, to: number): void {
    if (performance.now() > this.deadline) return;
    const base = this.starts[from]!;
    const parsed = parse(this.text.slice(base, this.end(to)));
    if (parsed instanceof ParseError || parsed === undefined) this.failed(from, to, parsed);
    else this.programs.push(shift(parsed, base));
  }

  private failed(from: number, to: number, error: ParseError | undefined): void {
    if (to - from === 1) {
      this.repair(from, error);
      return;
    }
    const mid = (from + to) >> 1;
    this.attempt(from, mid);
    this.attempt(mid, to);
  }

  /** Blanks lines of one section until it parses, or gives it up. */
  private repair(section: number, error: ParseError | undefined): void {
    const { map } = this;
    const base = this.starts[section]!;
    const end = this.end(section + 1);
    const firstLine = map.position(base).line;
    // The section's text ends with its line break (or the file's end), which belongs to its last line.
    const lastLine = map.position(Math.max(base, end - 1)).line;
    let source = this.text.slice(base, end);
    const blanked: number[] = [];
    const record = this.fault === undefined;
    let firstError: ParseError | undefined;
    const hasContent = (line: number, commentsCount: boolean) => {
      const s = source.slice(map.lineStarts[line]! - base, map.lineEnd(line) - base).trimStart();
      return s !== '' && (commentsCount || !s.startsWith('#'));
    };
    const blank = (s: string, line: number) => {
      const start = map.lineStarts[line]! - base;
      const stop = map.lineEnd(line) - base;
      return s.slice(0, start) + ' '.repeat(stop - start) + s.slice(stop);
    };
    for (let attempts = 0; ;) {
      if (error === undefined) {
        const parsed = parse(source);
        attempts++;
        if (parsed === undefined) break;
        if (!(parsed instanceof ParseError)) {
          this.programs.push(shift(parsed, base));
          break;
        }
        error = parsed;
      }
      firstError ??= error;
      if (attempts >= MAX_RECOVERY_ATTEMPTS || performance.now() > this.deadline) break;
      const at = base + error.index;
      // Past the section's last line: something unterminated, its start is above.
      const line = at >= end ? lastLine + 1 : map.position(at).line;
      const atLineStart = line > lastLine || source.slice(map.lineStarts[line]! - base, at - base).trim() === '';
      const lineHasContent = line <= lastLine && hasContent(line, true);
      // A key defined twice is reported at the second definition, itself the statement at fault.
      if (atLineStart && error.message !== duplicateKeyMessage()) {
        // The parser names the first token after the statement it could not finish: the
        // cause is most often the line above (a header without `]`, a key without `=`).
        let above = line - 1;
        while (above >= firstLine && !hasContent(above, false)) above--;
        if (above >= firstLine) {
          const trial = blank(source, above);
          const parsed = parse(trial);
          attempts++;
          if (parsed === undefined) break;
          // It was the cause if the error moved on; with nothing on the line named there is no other candidate.
          if (!(parsed instanceof ParseError) || !lineHasContent || parsed.index > error.index) {
            source = trial;
            blanked.push(above);
            if (!(parsed instanceof ParseError)) {
              this.programs.push(shift(parsed, base));
              break;
            }
            error = parsed;
            continue;
          }
        }
      }
      if (!lineHasContent) break;
      source = blank(source, line);
      blanked.push(line);
      error = undefined;
    }
    if (record && firstError !== undefined) {
      const detectedLine = map.position(base + firstError.index).line;
      const line = blanked.length > 0 ? Math.min(...blanked) : detectedLine;
      this.fault = { line, index: base + firstError.index, message: firstError.message, detectedLine, sectionStart: base };
    }
  }

  /**
   * The one diagnostic: at the line found at fault in the first section that failed on its
   * own, unless the whole file failed before that section: a table or key defined in two
   * sections, each of which parses alone.
   */
  problem(error: ParseError): ParseProblem {
    const { map, text } = this;
    const fault = this.fault;
    if (fault === undefined || error.index < fault.sectionStart) {
      return syntaxProblem(error.message, Math.min(error.index, text.length), map);
    }
    if (fault.line === fault.detectedLine) return syntaxProblem(fault.message, fault.index, map);
    const lineStart = map.lineStarts[fault.line]!;
    const lineText = text.slice(lineStart, map.lineEnd(fault.line));
    const start = lineStart + (lineText.length - lineText.trimStart().length);
    const stop = lineStart + lineText.trimEnd().length;
    let message = fault.message;
    // The error was found on a later line; a broken header says more about itself.
    if (lineText.trimStart().startsWith('[')) {
      const alone = parse(lineText.trim() + '\n');
      if (alone instanceof ParseError) message = alone.message;
    }
    return { code: 'syntax-error', message: `TOML syntax error: ${message}`, range: map.range(start, stop) };
  }
}

let duplicateKey: string | undefined;

/** The parser's message for a key defined twice, as this version of it words it. */
function duplicateKeyMessage(): string {
  if (duplicateKey === undefined) {
    const parsed = parse('a = 1\na = 2\n');
    duplicateKey = parsed instanceof ParseError ? parsed.message : '';
  }
  return duplicateKey;
}

/** A line starting with `[` and without a comma: a table header, maybe a broken one (not an array element such as `["a", "b"],`). */
function looksLikeHeader(text: string, start: number, end: number): boolean {
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '[') return false;
  const comma = text.indexOf(',', i);
  return comma < 0 || comma >= end;
}

/** The program, the parser's error, or undefined when the parser failed otherwise (stack overflow on deep nesting). */
function parse(source: string): AST.TOMLProgram | ParseError | undefined {
  try {
    return parseTOML(source, TOML_OPTIONS);
  } catch (e) {
    return e instanceof ParseError ? e : undefined;
  }
}

/**
 * Moves the ranges of a program parsed from a part of the text to where that part is in the
 * whole (only `range` is read; `loc` and tokens stay as parsed). Iterative: values nest deeply.
 */
function shift(program: AST.TOMLProgram, base: number): AST.TOMLProgram {
  if (base === 0) return program;
  const move = (node: { range: [number, number] }) => {
    node.range = [node.range[0] + base, node.range[1] + base];
  };
  program.comments.forEach(move);
  const stack: AST.TOMLNode[] = [program.body[0]];
  const push = (nodes: readonly AST.TOMLNode[]) => {
    for (const n of nodes) stack.push(n);
  };
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    move(node);
    switch (node.type) {
      case 'TOMLTopLevelTable':
      case 'TOMLInlineTable':
        push(node.body);
        break;
      case 'TOMLTable':
        stack.push(node.key);
        push(node.body);
        break;
      case 'TOMLKeyValue':
        stack.push(node.key, node.value);
        break;
      case 'TOMLKey':
        push(node.keys);
        break;
      case 'TOMLArray':
        push(node.elements);
        break;
      default:
        break;
    }
  }
  return program;
}

function syntaxProblem(message: string, index: number, map: LineMap): ParseProblem {
  const line = map.position(index).line;
  const start = Math.min(index, map.lineEnd(line));
  return { code: 'syntax-error', message: `TOML syntax error: ${message}`, range: map.range(start, Math.max(start, map.lineEnd(line))) };
}
