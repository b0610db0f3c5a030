/** The view's icons: a group shows its worst diagnostic's severity, as configured, not its code's default. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { severityIcon } from '../../client/src/severityIcon.js';

// VS Code's DiagnosticSeverity.
const ERROR = 0;
const WARNING = 1;
const INFORMATION = 2;
const HINT = 3;

describe('the view’s severity icon', () => {
  it('is the worst severity among the findings', () => {
    assert.equal(severityIcon([WARNING]), 'warning', 'transitive over an archived package: a warning, whatever its default (error)');
    assert.equal(severityIcon([INFORMATION, WARNING, HINT]), 'warning');
    assert.equal(severityIcon([HINT, ERROR, WARNING]), 'error');
    assert.equal(severityIcon([INFORMATION]), 'info');
    assert.equal(severityIcon([HINT]), 'info');
  });
});
