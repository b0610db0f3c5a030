#!/usr/bin/env bash
# The work of action.yml: two runs of `pypi-status check` with the npm package of the action's own
# version. The first writes the SARIF report and never fails; the second prints the workflow
# annotations and the job summary and decides the exit status (its lookups come from the disk cache
# the first one filled). Outputs: sarif-file (empty when no report was written) and exit-code.
# The step itself always succeeds, so that the upload runs before action.yml's last step fails the job.
set -uo pipefail

output() { printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:-/dev/null}"; }

version=$(node -p 'require(process.argv[1]).version' "$GITHUB_ACTION_PATH/package.json") || {
  echo "::error::pypi-status: cannot read the action's version from $GITHUB_ACTION_PATH/package.json"
  output exit-code 2
  exit 0
}

read -r -a paths <<<"$(printf '%s' "${INPUT_PATHS:-.}" | tr '\n' ' ')"
[ ${#paths[@]} -eq 0 ] && paths=(.)
read -r -a extra <<<"$(printf '%s' "${INPUT_ARGS:-}" | tr '\n' ' ')"
options=()
[ -n "${INPUT_INDEX_URL:-}" ] && options+=(--index-url "$INPUT_INDEX_URL")
[ -n "${INPUT_JSON_API_URL:-}" ] && options+=(--json-api-url "$INPUT_JSON_API_URL")
options+=("${extra[@]}")
sarif=${INPUT_SARIF_FILE:-pypi-status.sarif}
check=(npx --yes "pypi-status@$version" check)

rm -f -- "$sarif"
"${check[@]}" "${options[@]}" --format sarif --output "$sarif" --fail-on never -- "${paths[@]}"
status=$?
if [ ! -s "$sarif" ]; then
  # A usage or configuration error (already printed), or a run that was stopped.
  [ "$status" -eq 2 ] || echo "::error::pypi-status check stopped with exit status $status and wrote no report"
  output exit-code "$status"
  exit 0
fi
# Exit status 2 with a report is --strict's "some projects could not be checked": the report is still uploaded.
output sarif-file "$sarif"

fail_on=()
[ -n "${INPUT_FAIL_ON:-}" ] && fail_on=(--fail-on "$INPUT_FAIL_ON")
"${check[@]}" "${options[@]}" "${fail_on[@]}" --format github -- "${paths[@]}"
output exit-code "$?"
exit 0
