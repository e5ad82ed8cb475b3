import {Hono, type Context} from "hono";
import type {UiAsset} from "../ui/index.js";

/**
 * The web UI's pages and assets from memory. `/` needs a signed-in user when the server has users or keys
 * (otherwise it redirects to `/login`); the assets themselves hold no data and are public, so the login page
 * can load its script and styles.
 */
export function uiRoutes(options: {
  assets: ReadonlyMap<string, UiAsset> | undefined;
  signedIn: (c: Context) => Promise<boolean>;
  authRequired: boolean;
}): Hono {
  const app = new Hono();
  const {assets} = options;

  const send = (c: Context, path: string): Response => {
    const asset = assets?.get(path);
    if (asset == null) return c.text("not found", 404);
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, {ETag: asset.etag});
    return c.body(new Uint8Array(asset.body), 200, {
      "Content-Type": asset.contentType,
      "Cache-Control": "no-cache",
      ETag: asset.etag
    });
  };

  const page = (path: string) => (c: Context) => {
    if (assets == null) return c.text("The web UI is not built: run `npm run build` in the h2ogpt-ts package.", 503);
    return send(c, path);
  };

  app.get("/", async (c) => (options.authRequired && !(await options.signedIn(c)) ? c.redirect("/login", 302) : page("/index.html")(c)));
  app.get("/login", (c) => (options.authRequired ? page("/login.html")(c) : c.redirect("/", 302)));
  app.get("/favicon.ico", (c) => send(c, "/favicon.svg"));
  app.get("/:file{[A-Za-z0-9_.-]+\\.(js|css|svg|map)}", (c) => send(c, `/${c.req.param("file")}`));
  return app;
}
