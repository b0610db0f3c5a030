/** Kept equal to server/package.json's version (a unit test checks it); sent in the User-Agent. */
export const VERSION = '0.1.0';

export const USER_AGENT = `pypi-status/${VERSION} (+https://github.com/pypi-status/pypi-status) node/${process.versions.node}`;
