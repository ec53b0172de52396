// Fastify's JSON parser refuses an empty body sent as application/json
// (FST_ERR_CTP_EMPTY_JSON_BODY), yet many HTTP clients set that content type on
// every request, bodiless PATCH and DELETE included. API.md: those routes accept it.
import { errorCodes, type FastifyInstance } from "fastify";

/**
 * Replaces the application/json parser: an empty body is no body (undefined) on a route
 * that declares none, and stays the 400 malformed_json naming the body on one that needs
 * a body. Anything else goes to Fastify's own parser, with its prototype-poisoning checks.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  // The instance's settings (onProtoPoisoning, onConstructorPoisoning: "error" by default).
  const parseJson = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? "error",
    app.initialConfig.onConstructorPoisoning ?? "error",
  );
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    // parseAs "string": the body is a string.
    if (body.length === 0) {
      if (request.routeOptions.schema?.body === undefined) return done(null, undefined);
      return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
    }
    parseJson(request, body as string, done);
  });
}
