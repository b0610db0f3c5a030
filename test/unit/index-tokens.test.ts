/** Index tokens: what the user types, how the client keeps the list of origins, and how the server checks and keeps what it is handed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownOrigins, secretKey, storedToken, tokenFromInput, updateOrigins, validateTokenInput } from '../../client/src/tokenInput.js';
import { IndexTokens, originOf, readTokenParams, TOKEN_SOURCE } from '../../server/src/session/indexTokens.js';
import { newTokenKey, openToken, readTokenKey, sealToken } from '../../server/src/tokenSeal.js';

describe('the token the user types (client)', () => {
  it('takes a bare token as the password of __token__, and user:token as both', () => {
    assert.deepEqual(tokenFromInput('  pst-abc  '), { username: '__token__', password: 'pst-abc' });
    assert.deepEqual(tokenFromInput('me:s3:cret'), { username: 'me', password: 's3:cret' });
    // A colon at either end is part of a token, not an empty user or password.
    assert.deepEqual(tokenFromInput(':abc'), { username: '__token__', password: ':abc' });
    assert.deepEqual(tokenFromInput('abc:'), { username: '__token__', password: 'abc:' });
    assert.equal(tokenFromInput('   '), undefined);
    assert.equal(tokenFromInput('a\nb'), undefined);
    assert.equal(validateTokenInput(''), 'Enter a token, or user:token, on one line');
    assert.equal(validateTokenInput('x'), undefined);
  });

  it('keeps a list of origins without duplicates, and reads back only what it stored', () => {
    assert.deepEqual(updateOrigins(undefined, 'https://a.example', true), ['https://a.example']);
    assert.deepEqual(updateOrigins(['https://a.example', 3, 'https://b.example'], 'https://a.example', true), ['https://b.example', 'https://a.example']);
    assert.deepEqual(updateOrigins(['https://a.example', 'https://b.example'], 'https://a.example', false), ['https://b.example']);
    assert.deepEqual(knownOrigins('not a list'), []);
    assert.deepEqual(knownOrigins(['x', 'x', '']), ['x']);
    assert.equal(secretKey('https://a.example'), 'pypiStatus.indexToken:https://a.example');
    assert.deepEqual(storedToken(JSON.stringify({ username: 'u', password: 'p' })), { username: 'u', password: 'p' });
    for (const damaged of [undefined, '', 'p', 'null', '{"username":"u"}', '{"username":"","password":"p"}']) assert.equal(storedToken(damaged), undefined);
  });
});

describe('the tokens the server is handed', () => {
  it('accepts a token for an http(s) origin, and refuses anything else without repeating the token', () => {
    assert.deepEqual(readTokenParams({ origin: 'HTTPS://Corp.Example:443/simple/', token: { username: 'u', password: 'p' } }), {
      origin: 'https://corp.example',
      token: { username: 'u', password: 'p', from: TOKEN_SOURCE },
    });
    assert.deepEqual(readTokenParams({ origin: 'http://127.0.0.1:8080', token: null }), { origin: 'http://127.0.0.1:8080', token: null });
    const bad = [
      readTokenParams({ origin: 'file:///etc', token: { username: 'u', password: 'SECRET' } }),
      readTokenParams({ token: { username: 'u', password: 'SECRET' } }),
      readTokenParams(null),
      readTokenParams({ origin: 'https://a.example', token: { username: 'u:v', password: 'SECRET' } }),
      readTokenParams({ origin: 'https://a.example', token: { username: 'u', password: 'SEC\nRET' } }),
      readTokenParams({ origin: 'https://a.example', token: 'SECRET' }),
    ];
    for (const read of bad) {
      assert.ok('error' in read, JSON.stringify(read));
      assert.doesNotMatch(read.error, /SEC/);
    }
  });

  it('applies a token to its own origin only', () => {
    const tokens = new IndexTokens();
    tokens.set('https://corp.example', { username: 'u', password: 'p', from: TOKEN_SOURCE });
    assert.equal(tokens.lookup('https://corp.example/simple/')?.password, 'p');
    assert.equal(tokens.lookup('https://corp.example:8443/simple/'), undefined);
    assert.equal(tokens.lookup('http://corp.example/simple/'), undefined);
    assert.equal(tokens.lookup('https://evil.example/corp.example/'), undefined);
    assert.equal(tokens.lookup('not a url'), undefined);
  });

  it('says whether a token changes anything, and tells a refusal once per index until a new token comes', () => {
    const tokens = new IndexTokens();
    const origin = 'https://corp.example';
    const token = { username: 'u', password: 'p', from: TOKEN_SOURCE };
    const refusal = { label: 'internal', origin };
    assert.equal(tokens.shouldTell(refusal), true);
    assert.equal(tokens.shouldTell(refusal), false);
    assert.equal(tokens.shouldTell({ label: 'mirror', origin }), true, 'another index on the same origin');
    assert.equal(tokens.set(origin, token), true);
    assert.equal(tokens.set(origin, { ...token }), false, 'the same token again changes nothing');
    assert.equal(tokens.shouldTell(refusal), true, 'the new token may be wrong too');
    assert.equal(tokens.set(origin, null), true);
    assert.equal(tokens.set(origin, null), false);
  });

  it('reads the tokens of initializationOptions, and warns of what it cannot use', () => {
    const tokens = new IndexTokens();
    const warnings: string[] = [];
    tokens.initialize(
      {
        indexTokens: [
          { origin: 'https://a.example', token: { username: 'u', password: 'p' } },
          { origin: 'ftp://b.example', token: null },
        ],
      },
      (m) => warnings.push(m),
    );
    assert.equal(tokens.lookup('https://a.example/simple/')?.username, 'u');
    assert.equal(warnings.length, 1);
    tokens.initialize({ indexTokens: 'x' }, (m) => warnings.push(m));
    tokens.initialize(undefined, (m) => warnings.push(m));
    assert.equal(warnings.length, 2);
    assert.equal(originOf('mailto:x@y'), undefined);
  });
});

describe('sealed tokens (client to server)', () => {
  const key = readTokenKey(newTokenKey())!;
  const origin = 'https://corp.example';
  const token = { username: '__token__', password: 'pst-SECRET-1234' };

  it('opens what it sealed, and the sealed text shows nothing of the token', () => {
    assert.equal(key.length, 32);
    const sealed = sealToken(token, origin, key);
    assert.ok(!sealed.sealed.includes('SECRET') && !Buffer.from(sealed.sealed, 'base64').toString('latin1').includes('SECRET'));
    assert.deepEqual(openToken(sealed, origin, key), token);
    // A random IV each time: the same token never seals to the same text.
    assert.notEqual(sealToken(token, origin, key).sealed, sealed.sealed);
    assert.deepEqual(readTokenParams({ origin, token: sealed }, key), { origin, token: { ...token, from: TOKEN_SOURCE } });
  });

  it('refuses a token altered, sealed with another key or for another origin, or not sealed, without repeating it', () => {
    const sealed = Buffer.from(sealToken(token, origin, key).sealed, 'base64');
    for (let i = 0; i < sealed.length; i += 7) {
      const altered = Buffer.from(sealed);
      altered[i]! ^= 0x20;
      assert.equal(openToken({ sealed: altered.toString('base64') }, origin, key), undefined, `byte ${i} altered`);
    }
    assert.equal(openToken({ sealed: sealed.subarray(0, 20).toString('base64') }, origin, key), undefined);
    assert.equal(openToken(sealToken(token, origin, readTokenKey(newTokenKey())!), origin, key), undefined);
    assert.equal(openToken(sealToken(token, 'https://other.example', key), origin, key), undefined);
    const refused = [
      readTokenParams({ origin, token }, key),
      readTokenParams({ origin, token: { sealed: sealed.subarray(0, 20).toString('base64') } }, key),
      // A sealed token reaching a server without the key is not guessed at either.
      readTokenParams({ origin, token: sealToken(token, origin, key) }),
    ];
    for (const r of refused) {
      assert.ok('error' in r);
      assert.match(r.error, /not sealed with this server's key/);
      assert.ok(!r.error.includes('SECRET'));
    }
    assert.equal(readTokenKey('too-short'), undefined);
    assert.equal(readTokenKey(undefined), undefined);
  });
});
