/**
 * Cost per million, at AWS us-east-1 list prices (on-demand DynamoDB, arm64
 * Lambda, HTTP API), from the measured counts and handler times.
 */
import { round } from './stats.ts';

export const PRICES = {
  httpApiPerMillion: 1.0,
  lambdaRequestPerMillion: 0.2,
  lambdaGbSecond: 0.0000133334,
  wruPerMillion: 0.625,
  /** One read request unit: a strongly consistent read of an item up to 4 KB (half for an eventually consistent one). */
  rruPerMillion: 0.125,
};

/** A returning user's login (initiate + callback), with an assumed round trip to Okta's token endpoint. */
export function costPerMillion(
  returning: { requests: number; wru: number },
  handlerWallMs: Record<string, number>,
  oktaTokenRttMs: number,
) {
  const memoryGb = 0.5;
  const lambdaMs =
    (handlerWallMs['GET /t/{tenant}/login'] ?? 0) + (handlerWallMs['GET /t/{tenant}/callback'] ?? 0) + oktaTokenRttMs;
  const prices = {
    httpApiPerMillion: PRICES.httpApiPerMillion,
    lambdaRequestPerMillion: PRICES.lambdaRequestPerMillion,
    lambdaGbSecond: PRICES.lambdaGbSecond,
    wruPerMillion: PRICES.wruPerMillion,
  };
  const httpApi = 2 * prices.httpApiPerMillion;
  const lambdaRequests = 2 * prices.lambdaRequestPerMillion;
  // Lambda bills each invocation in 1 ms steps.
  const lambdaDuration = (Math.ceil(lambdaMs) / 1000) * memoryGb * prices.lambdaGbSecond * 1_000_000;
  const dynamodb = returning.wru * prices.wruPerMillion;
  return {
    assumptions: { memoryGb, oktaTokenRttMs, prices },
    perMillionLogins: {
      httpApi: round(httpApi),
      lambdaRequests: round(lambdaRequests),
      lambdaDuration: round(lambdaDuration),
      dynamodbWrites: round(dynamodb),
      total: round(httpApi + lambdaRequests + lambdaDuration + dynamodb),
    },
  };
}

/** What the authorizer's DynamoDB reads cost per million authorized requests, from the measured units. */
export function authorizerReadCost(perRequest: { readUnits: number; writeUnits: number }) {
  return {
    prices: { rruPerMillion: PRICES.rruPerMillion, wruPerMillion: PRICES.wruPerMillion },
    perMillionAuthorizedRequests: {
      dynamodb: round(perRequest.readUnits * PRICES.rruPerMillion + perRequest.writeUnits * PRICES.wruPerMillion, 3),
    },
  };
}

/**
 * A warm `GET /session/token` call, per million: one HTTP API request, one
 * Lambda request (512 MB, its median handler wall time, billed in 1 ms
 * steps) and the read units DynamoDB reported for its one `BatchGetItem`.
 * The private key set's read (Secrets Manager, once per container per
 * SECRETS_CACHE_SECONDS) is left out: cents per month, whatever the traffic.
 */
export function sessionTokenCost(perCall: { readUnits: number; writeUnits: number }, handlerWallMs: number) {
  const memoryGb = 0.5;
  const httpApi = PRICES.httpApiPerMillion;
  const lambdaRequests = PRICES.lambdaRequestPerMillion;
  const lambdaDuration = (Math.ceil(handlerWallMs) / 1000) * memoryGb * PRICES.lambdaGbSecond * 1_000_000;
  const dynamodb = perCall.readUnits * PRICES.rruPerMillion + perCall.writeUnits * PRICES.wruPerMillion;
  return {
    assumptions: { memoryGb, handlerWallMs },
    perMillionCalls: {
      httpApi: round(httpApi),
      lambdaRequests: round(lambdaRequests),
      lambdaDuration: round(lambdaDuration),
      dynamodbReads: round(dynamodb, 3),
      total: round(httpApi + lambdaRequests + lambdaDuration + dynamodb),
    },
  };
}
