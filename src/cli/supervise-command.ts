/** The hidden argument that starts the background supervisor (detach.ts spawns it, main.ts routes it). */
export const SUPERVISE_COMMAND = '__supervise';
