// The rendered bytes of an item target in the request's representation (cached by the renderer).
import type { Rendered } from '../render.js';
import type { PropEnv, Target } from './types.js';

export function renderedOf(t: Extract<Target, { type: 'item' }>, env: PropEnv): Rendered {
  return env.state.renderer.render(t.col.collection.id, t.item, env.repr(t.item), env.directory);
}
