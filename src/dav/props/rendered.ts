// The rendered bytes of an item target in the request's representation (cached by the renderer).
import type { Rendered, RenderedMeta } from '../render.js';
import type { PropEnv, Target } from './types.js';

export function renderedOf(t: Extract<Target, { type: 'item' }>, env: PropEnv): Rendered {
  return env.state.renderer.render(t.col.collection.id, t.item, env.repr(t.item), env.directory);
}

/** ETag, content type and length only: answered from the render cache without a record. */
export function metaOf(t: Extract<Target, { type: 'item' }>, env: PropEnv): RenderedMeta {
  return env.state.renderer.renderMeta(t.col.collection.id, t.item, env.repr(t.item), env.directory);
}
