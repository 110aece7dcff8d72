import { ServiceError } from '../errors.ts';

/** The two subject identifier formats (RFC 9493) Okta sends. */
export type RevocationSubject =
  | { readonly format: 'iss_sub'; readonly iss: string; readonly sub: string }
  | { readonly format: 'email'; readonly email: string };

/** Okta's body is about 150 bytes; a body far larger is not a revocation request. */
export const MAX_BODY_BYTES = 8 * 1024;
const MAX_LENGTH = { iss: 1024, sub: 255, email: 320 } as const;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(reason: string, details: Record<string, string> = {}): ServiceError {
  return new ServiceError('REVOCATION_REQUEST_INVALID', { reason, details });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The subject of a Global Token Revocation request: `{"sub_id": {...}}`, or
 * the older top-level `subject` member with the same shapes (Okta has sent
 * both). Malformed input (not JSON, too large, a member missing or of the
 * wrong type, both members at once) is a 400; a well-formed subject in a
 * format other than `iss_sub` or `email` is a 422. Members besides these are
 * ignored, as the draft allows them.
 */
export function parseRevocationBody(body: Buffer): RevocationSubject {
  if (body.length > MAX_BODY_BYTES) {
    throw invalid('revocation_body_too_large', { limit: String(MAX_BODY_BYTES) });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(body));
  } catch {
    throw invalid('revocation_body_not_json');
  }
  if (!isObject(parsed)) throw invalid('revocation_body_not_json');
  const { sub_id: subId, subject } = parsed;
  if (subId !== undefined && subject !== undefined) throw invalid('revocation_subject_ambiguous');
  const identifier = subId !== undefined ? subId : subject;
  if (identifier === undefined) throw invalid('revocation_subject_missing');
  if (!isObject(identifier)) throw invalid('revocation_subject_not_object');
  return subjectFrom(identifier);
}

function subjectFrom(identifier: Record<string, unknown>): RevocationSubject {
  const format = text(identifier, 'format', 64);
  switch (format) {
    case 'iss_sub':
      return { format, iss: text(identifier, 'iss', MAX_LENGTH.iss), sub: text(identifier, 'sub', MAX_LENGTH.sub) };
    case 'email':
      return { format, email: text(identifier, 'email', MAX_LENGTH.email) };
    default:
      throw new ServiceError('SUBJECT_FORMAT_UNSUPPORTED', { reason: 'revocation_format_unsupported' });
  }
}

/** A member that must be a non-empty string of bounded length; its name (ours, never input) goes in the words. */
function text(identifier: Record<string, unknown>, member: string, maxLength: number): string {
  const value = identifier[member];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalid('revocation_subject_malformed', { member, maxLength: String(maxLength) });
  }
  return value;
}
