-- What the one-file scripts (hover.lua, pin-fix.lua, unchecked.lua) share: the built server
-- started as Neovim 0.7 starts a client (vim.lsp.start exists from 0.8), with the settings as
-- both init_options and the answer to workspace/configuration, and the file opened and attached.
local M = {}

function M.open(settings, file)
  local client_id = vim.lsp.start_client({
    name = 'pypi_status',
    cmd = { 'node', vim.env.PYPI_STATUS_SERVER, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':p:h'),
    init_options = settings,
    settings = settings,
  })
  assert(client_id, 'could not start the language server')
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client_id)
  return buf, client_id
end

-- Stops the server and waits for it to exit, so that none outlives its test.
function M.stop(client_id)
  vim.lsp.stop_client(client_id)
  vim.wait(1000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
end

-- Writes the result as JSON where the test reads it, and quits.
function M.finisher(out)
  return function()
    vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.PYPI_STATUS_OUT)
    vim.cmd('qall!')
  end
end

return M
