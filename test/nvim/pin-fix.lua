-- Headless Neovim applies pypi-status's pin fix (see neovim.test.ts): it asks the server for the
-- code actions on a yanked exact pin, applies the "Change the pin to" edit as Neovim's own
-- code-action UI does (vim.lsp.util.apply_workspace_edit), and writes the buffer as it then is.
-- Works with Neovim 0.7 (Debian bookworm), as init.lua.
--
-- Environment (set by the test):
--   PYPI_STATUS_SERVER   path of server/dist/server.cjs
--   PYPI_STATUS_INDEX    simple API URL of the local index
--   PYPI_STATUS_JSON_API JSON API URL of the local index
--   PYPI_STATUS_FILE     the requirements file to open
--   PYPI_STATUS_LINE     the zero-based line of the yanked pin
--   PYPI_STATUS_OUT      where to write the result, as JSON
--   PYPI_STATUS_TIMEOUT  milliseconds to wait for the diagnostics and the answer (default 20000)

local env = vim.env
local shared = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/open.lua')
local line = tonumber(env.PYPI_STATUS_LINE)
local timeout = tonumber(env.PYPI_STATUS_TIMEOUT or '20000')
local out = { titles = {} }

local finish = shared.finisher(out)

local settings = {
  pypiStatus = {
    indexUrl = env.PYPI_STATUS_INDEX,
    jsonApiUrl = env.PYPI_STATUS_JSON_API,
    cache = { directory = vim.NIL },
  },
}
local buf, client_id = shared.open(settings, env.PYPI_STATUS_FILE)

-- The finding first: the code actions are asked for where a diagnostic is, as a user would.
local function on_line() return vim.diagnostic.get(buf, { lnum = line }) end
out.diagnosed = vim.wait(timeout, function() return #on_line() > 0 end, 50)
if not out.diagnosed then return finish() end

-- The diagnostics back in the protocol's form, for the request's context.
local diagnostics = {}
for _, d in ipairs(on_line()) do
  local lsp = (d.user_data and d.user_data.lsp) or {}
  table.insert(diagnostics, {
    range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
    severity = d.severity,
    code = d.code or lsp.code,
    source = d.source,
    message = d.message,
    data = lsp.data,
  })
end
out.codes = vim.tbl_map(function(d) return d.code end, diagnostics)
local first = diagnostics[1].range
local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = { start = first.start, ['end'] = first.start },
  context = { diagnostics = diagnostics },
}
local responses = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, timeout) or {}
local change
for _, response in pairs(responses) do
  if response.error then out.error = response.error.message end
  for _, action in ipairs(response.result or {}) do
    table.insert(out.titles, action.title)
    if not change and action.title:find('^Change the pin to') then change = action end
  end
end
if change then
  out.preferred = change.isPreferred == true
  out.has_edit = change.edit ~= nil
  if change.edit then
    local client = vim.lsp.get_client_by_id(client_id)
    vim.lsp.util.apply_workspace_edit(change.edit, client.offset_encoding)
  end
end
out.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
out.modified = vim.api.nvim_buf_get_option(buf, 'modified')
shared.stop(client_id)
finish()
