-- Headless Neovim against an index that cannot be reached (see neovim.test.ts): the server must
-- say so by a window/showMessage warning, once across edits, and publish no diagnostic for it;
-- the hover says the dependency was not checked. Works with Neovim 0.7 (Debian bookworm), as init.lua.
--
-- Environment (set by the test):
--   PYPI_STATUS_SERVER   path of server/dist/server.cjs
--   PYPI_STATUS_INDEX    simple API URL of an index nothing listens on
--   PYPI_STATUS_FILE     the requirements file to open
--   PYPI_STATUS_OUT      where to write the result, as JSON
--   PYPI_STATUS_TIMEOUT  milliseconds to wait for the message (default 20000)

local env = vim.env
local shared = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/open.lua')
local timeout = tonumber(env.PYPI_STATUS_TIMEOUT or '20000')
local out = { messages = {}, notified = {} }

local finish = shared.finisher(out)

-- What reaches the user: Neovim 0.7's handler writes the message out, later ones call vim.notify.
local default_handler = vim.lsp.handlers['window/showMessage']
vim.lsp.handlers['window/showMessage'] = function(err, result, ctx, config)
  table.insert(out.messages, { type = result.type, message = result.message })
  return default_handler(err, result, ctx, config)
end
local default_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(out.notified, { message = msg, level = level })
  return default_notify(msg, level, opts)
end

local settings = {
  pypiStatus = { indexUrl = env.PYPI_STATUS_INDEX, jsonApiUrl = vim.NIL, cache = { directory = vim.NIL } },
}
local buf, client_id = shared.open(settings, env.PYPI_STATUS_FILE)

out.told = vim.wait(timeout, function() return #out.messages > 0 end, 50)
if not out.told then return finish() end

-- Edits re-check the file: the index is still down, and the user was told already.
for i = 1, 3 do
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { '# edit ' .. i })
  vim.wait(400, function() return false end, 50)
end
vim.wait(1500, function() return false end, 50)

local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = 0, character = 2 },
}, timeout) or {}
for _, response in pairs(hover) do
  local contents = response.result and response.result.contents
  if contents then out.hover = contents.value or contents end
end
out.diagnostics = #vim.diagnostic.get(buf)
shared.stop(client_id)
finish()
