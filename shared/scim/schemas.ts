/** The SCIM 2.0 schema URNs (RFC 7643 §8.7, RFC 7644 §3). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Largest page a listing returns (ServiceProviderConfig `filter.maxResults`). */
export const MAX_RESULTS = 100;
/** Largest request body: a Group Push PATCH of a few hundred members fits many times over. */
export const MAX_BODY_BYTES = 256 * 1024;
/** Members of one group; a larger group is refused with 400 rather than time out. */
export const MAX_GROUP_MEMBERS = 5000;
/** Operations of one PATCH request. */
export const MAX_PATCH_OPERATIONS = 1000;
