/**
 * The web chat UI. Its source lives in `src/ui/client/` and is bundled by `scripts/build-ui.mjs` (esbuild) into
 * `dist/ui/static/`; the server serves those files from memory. Everything the page needs is in that folder:
 * no CDN, no web fonts, so it works with the network off.
 */
export {readUiAssets, UI_STATIC_DIR, type UiAsset} from "./ui-assets.js";
