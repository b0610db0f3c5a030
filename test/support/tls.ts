/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid until 2126), so that the
 * local index can speak HTTPS with HTTP/2 as PyPI does. Test material only: its key is public.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TEST_CA_FILE = fileURLToPath(new URL('./tls/cert.pem', import.meta.url));
export const TEST_CERT = readFileSync(TEST_CA_FILE, 'utf8');
export const TEST_KEY = readFileSync(fileURLToPath(new URL('./tls/key.pem', import.meta.url)), 'utf8');
