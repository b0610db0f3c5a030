-- Headless Neovim as a real third-party LSP client of pypi-status (see neovim.test.ts).
-- Works with Neovim 0.7 (Debian bookworm): vim.lsp.start_client + vim.lsp.buf_attach_client
-- (vim.lsp.start exists from 0.8, vim.lsp.config/enable from 0.11).
--
-- Environment (set by the test):
--   PYPI_STATUS_SERVER   path of server/dist/server.cjs
--   PYPI_STATUS_INDEX    simple API URL of the local index
--   PYPI_STATUS_JSON_API JSON API URL of the local index
--   PYPI_STATUS_FILES    files to open, separated by newlines
--   PYPI_STATUS_COUNTS   how many diagnostics to wait for in each file, separated by commas
--   PYPI_STATUS_OUT      where to write what Neovim received, as JSON
--   PYPI_STATUS_TIMEOUT  milliseconds to wait for the diagnostics (default 20000)

local env = vim.env
local files = vim.split(env.PYPI_STATUS_FILES, '\n', { trimempty = true })
local counts = vim.tbl_map(tonumber, vim.split(env.PYPI_STATUS_COUNTS, ',', { trimempty = true }))
local timeout = tonumber(env.PYPI_STATUS_TIMEOUT or '20000')

local settings = {
  pypiStatus = {
    indexUrl = env.PYPI_STATUS_INDEX,
    jsonApiUrl = env.PYPI_STATUS_JSON_API,
    cache = { directory = vim.NIL }, -- memory only: JSON null
  },
}

local client_id = vim.lsp.start_client({
  name = 'pypi_status',
  cmd = { 'node', env.PYPI_STATUS_SERVER, '--stdio' },
  root_dir = vim.fn.fnamemodify(files[1], ':p:h'),
  init_options = settings,
  settings = settings, -- answers the server's workspace/configuration requests
})
assert(client_id, 'could not start the language server')

local buffers = {}
for i, file in ipairs(files) do
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  buffers[i] = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buffers[i], client_id)
end

local function received()
  for i, buf in ipairs(buffers) do
    if #vim.diagnostic.get(buf) < counts[i] then return false end
  end
  return true
end

local done = vim.wait(timeout, received, 50)
-- A moment more, in case one more publication is on its way.
vim.wait(300, function() return false end, 50)

local out = { complete = done, files = {} }
for i, buf in ipairs(buffers) do
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code
    if code == nil and d.user_data and d.user_data.lsp then code = d.user_data.lsp.code end
    table.insert(items, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      code = code,
      source = d.source,
      message = d.message,
    })
  end
  out.files[i] = { file = files[i], diagnostics = items }
end
out.nvim_version = vim.version()

vim.fn.writefile({ vim.fn.json_encode(out) }, env.PYPI_STATUS_OUT)
vim.lsp.stop_client(client_id)
vim.wait(1000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
vim.cmd('qall!')
