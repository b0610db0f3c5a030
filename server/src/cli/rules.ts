/**
 * What each diagnostic code means, for reports that describe their rules (SARIF) and for the
 * help text: read from the one list of codes (core/codes.ts).
 */
import { ALL_CODES, CODE_INFO, type DiagnosticCode } from '../core/codes.js';

export interface RuleInfo {
  /** PascalCase name (SARIF reportingDescriptor.name). */
  name: string;
  short: string;
  full: string;
  helpUri: string;
  tags: string[];
}

export const RULES = Object.fromEntries(
  ALL_CODES.map((code) => {
    const { sarifName, short, full, helpUri, tags } = CODE_INFO[code];
    return [code, { name: sarifName, short, full, helpUri, tags: [...tags] }];
  }),
) as Record<DiagnosticCode, RuleInfo>;

/** Every code, in the order reports list them (findings about projects first, then problems of files). */
export { ALL_CODES };
