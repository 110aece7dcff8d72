import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { MAX_BODY_BYTES, parseRevocationBody } from '../../shared/universal-logout/parse-subject.ts';
import { bearerToken, readRevocationRequest } from '../../shared/universal-logout/read-request.ts';

const ISS = 'https://acme.okta.com';
const body = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

/** The code and reason a body is refused with, or the subject it names. */
function parse(raw: Buffer): { code: string; reason: string } | ReturnType<typeof parseRevocationBody> {
  try {
    return parseRevocationBody(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return { code: (error as ServiceError).code, reason: (error as ServiceError).reason };
  }
}

describe('Universal Logout: the request body', () => {
  it.each([
    [
      'sub_id iss_sub',
      { sub_id: { format: 'iss_sub', iss: ISS, sub: '00u1' } },
      { format: 'iss_sub', iss: ISS, sub: '00u1' },
    ],
    [
      'sub_id email',
      { sub_id: { format: 'email', email: 'Ada@Acme.example' } },
      { format: 'email', email: 'Ada@Acme.example' },
    ],
    [
      'legacy subject iss_sub',
      { subject: { format: 'iss_sub', iss: ISS, sub: '00u1' } },
      { format: 'iss_sub', iss: ISS, sub: '00u1' },
    ],
    [
      'legacy subject email',
      { subject: { format: 'email', email: 'a@b.example' } },
      { format: 'email', email: 'a@b.example' },
    ],
    [
      'other members, at the top and in the subject',
      { sub_id: { format: 'iss_sub', iss: ISS, sub: '00u1', extra: 1 }, reason: 'risk' },
      { format: 'iss_sub', iss: ISS, sub: '00u1' },
    ],
  ])('accepts %s', (_name, value, subject) => {
    expect(parse(body(value))).toEqual(subject);
  });

  const invalid = 'REVOCATION_REQUEST_INVALID';
  it.each([
    ['an empty body', '', 'revocation_body_not_json'],
    ['text', 'sub=00u1', 'revocation_body_not_json'],
    ['truncated JSON', '{"sub_id":', 'revocation_body_not_json'],
    ['a JSON array', [], 'revocation_body_not_json'],
    ['a JSON string', '"00u1"', 'revocation_body_not_json'],
    ['null', 'null', 'revocation_body_not_json'],
    ['no subject', {}, 'revocation_subject_missing'],
    ['a subject of another name', { sub: { format: 'iss_sub', iss: ISS, sub: '00u1' } }, 'revocation_subject_missing'],
    [
      'both sub_id and subject',
      { sub_id: { format: 'email', email: 'a@b' }, subject: { format: 'email', email: 'a@b' } },
      'revocation_subject_ambiguous',
    ],
    ['sub_id as a string', { sub_id: '00u1' }, 'revocation_subject_not_object'],
    ['sub_id as an array', { sub_id: [{ format: 'email', email: 'a@b' }] }, 'revocation_subject_not_object'],
    ['sub_id null', { sub_id: null }, 'revocation_subject_not_object'],
    ['no format', { sub_id: { iss: ISS, sub: '00u1' } }, 'revocation_subject_malformed'],
    ['a numeric format', { sub_id: { format: 1, iss: ISS, sub: '00u1' } }, 'revocation_subject_malformed'],
    ['an empty format', { sub_id: { format: '', iss: ISS, sub: '00u1' } }, 'revocation_subject_malformed'],
    ['iss_sub without sub', { sub_id: { format: 'iss_sub', iss: ISS } }, 'revocation_subject_malformed'],
    ['iss_sub without iss', { sub_id: { format: 'iss_sub', sub: '00u1' } }, 'revocation_subject_malformed'],
    [
      'iss_sub with a numeric sub',
      { sub_id: { format: 'iss_sub', iss: ISS, sub: 1234 } },
      'revocation_subject_malformed',
    ],
    ['iss_sub with an empty sub', { sub_id: { format: 'iss_sub', iss: ISS, sub: '' } }, 'revocation_subject_malformed'],
    [
      'iss_sub with a 256-character sub',
      { sub_id: { format: 'iss_sub', iss: ISS, sub: 'x'.repeat(256) } },
      'revocation_subject_malformed',
    ],
    ['email without email', { sub_id: { format: 'email' } }, 'revocation_subject_malformed'],
    ['email as a list', { sub_id: { format: 'email', email: ['a@b.example'] } }, 'revocation_subject_malformed'],
  ])('refuses %s with a 400', (_name, value, reason) => {
    expect(parse(body(value))).toEqual({ code: invalid, reason });
  });

  it('refuses a body above the limit and one that is not UTF-8, before parsing', () => {
    const padded = JSON.stringify({
      sub_id: { format: 'email', email: 'a@b.example' },
      pad: 'x'.repeat(MAX_BODY_BYTES),
    });
    expect(parse(body(padded))).toEqual({ code: invalid, reason: 'revocation_body_too_large' });
    const latin1 = Buffer.from('{"sub_id":{"format":"email","email":"caf\xe9@b.example"}}', 'latin1');
    expect(parse(latin1)).toEqual({ code: invalid, reason: 'revocation_body_not_json' });
  });

  it.each(['opaque', 'phone_number', 'account', 'did', 'uri', 'aliases', 'ISS_SUB'])(
    'answers a well-formed subject in format %s with a 422',
    (format) => {
      expect(parse(body({ sub_id: { format, id: 'x' } }))).toEqual({
        code: 'SUBJECT_FORMAT_UNSUPPORTED',
        reason: 'revocation_format_unsupported',
      });
    },
  );
});

describe('Universal Logout: the bearer token', () => {
  const event = (headers: Record<string, string>, raw?: string) =>
    ({
      headers,
      pathParameters: { tenant: 'acme' },
      ...(raw === undefined ? {} : { body: Buffer.from(raw).toString('base64'), isBase64Encoded: true }),
    }) as unknown as APIGatewayProxyEventV2;
  const reason = (headers: Record<string, string>) => {
    try {
      bearerToken(readRevocationRequest(event(headers)));
      return undefined;
    } catch (error) {
      return `${(error as ServiceError).code}/${(error as ServiceError).reason}`;
    }
  };

  it('reads the token and the raw body', () => {
    const request = readRevocationRequest(event({ authorization: 'Bearer aaa.bbb.ccc' }, '{"a":1}'));
    expect(bearerToken(request)).toBe('aaa.bbb.ccc');
    expect(request.body.toString()).toBe('{"a":1}');
    expect(request.tenantId).toBe('acme');
    expect(bearerToken(readRevocationRequest(event({ Authorization: 'bearer aaa.bbb.ccc' })))).toBe('aaa.bbb.ccc');
  });

  it.each([
    [{}, 'REVOCATION_TOKEN_INVALID/revocation_token_missing'],
    [{ authorization: '' }, 'REVOCATION_TOKEN_INVALID/revocation_token_missing'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'REVOCATION_TOKEN_INVALID/revocation_token_malformed'],
    [{ authorization: 'Bearer' }, 'REVOCATION_TOKEN_INVALID/revocation_token_malformed'],
    [{ authorization: 'Bearer a b' }, 'REVOCATION_TOKEN_INVALID/revocation_token_malformed'],
    [{ authorization: 'Bearer a,Bearer b' }, 'REVOCATION_TOKEN_INVALID/revocation_token_malformed'],
    [{ authorization: `Bearer ${'a'.repeat(8193)}` }, 'REVOCATION_TOKEN_INVALID/revocation_token_malformed'],
  ])('refuses %j with a 401', (headers, expected) => {
    expect(reason(headers)).toBe(expected);
  });
});
