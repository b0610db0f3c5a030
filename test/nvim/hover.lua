-- Headless Neovim, for the findings a pin can have beyond status (see neovim.test.ts): waits for a
-- file's diagnostics, then hovers each line asked for until the hover holds the text asked for (the
-- provenance of a release is fetched when it is first hovered, so the first card may say it is
-- being fetched). Works with Neovim 0.7 (Debian bookworm), as init.lua.
--
-- Environment (set by the test):
--   PYPI_STATUS_SERVER    path of server/dist/server.cjs
--   PYPI_STATUS_SETTINGS  the pypiStatus settings, as JSON
--   PYPI_STATUS_FILE      the file to open
--   PYPI_STATUS_COUNT     how many diagnostics to wait for
--   PYPI_STATUS_HOVERS    lines to hover, each `line:character:text to wait for`, one per line
--   PYPI_STATUS_OUT       where to write the result, as JSON
--   PYPI_STATUS_TIMEOUT   milliseconds to wait for each step (default 20000)

local env = vim.env
local shared = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/open.lua')
local timeout = tonumber(env.PYPI_STATUS_TIMEOUT or '20000')
local out = { hovers = {} }

local finish = shared.finisher(out)

local settings = { pypiStatus = vim.fn.json_decode(env.PYPI_STATUS_SETTINGS) }
local buf, client_id = shared.open(settings, env.PYPI_STATUS_FILE)

local count = tonumber(env.PYPI_STATUS_COUNT)
out.diagnosed = vim.wait(timeout, function() return #vim.diagnostic.get(buf) >= count end, 50)
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { lnum = d.lnum, col = d.col, end_col = d.end_col, code = d.code, message = d.message })
end

local function hover_text(line, character)
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = line, character = character },
  }, timeout) or {}
  for _, response in pairs(responses) do
    local contents = response.result and response.result.contents
    if contents then return contents.value or contents end
  end
  return ''
end

for spec in string.gmatch(env.PYPI_STATUS_HOVERS or '', '[^\n]+') do
  local line, character, wanted = string.match(spec, '^(%d+):(%d+):(.*)$')
  local text = ''
  vim.wait(timeout, function()
    text = hover_text(tonumber(line), tonumber(character))
    return string.find(text, wanted, 1, true) ~= nil
  end, 200)
  table.insert(out.hovers, text)
end

shared.stop(client_id)
finish()
