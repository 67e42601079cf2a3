// The few globals of the mini-program runtime the SDK uses (it compiles without DOM or Node types).
declare function setTimeout(handler: () => void, timeout?: number): number;
declare function clearTimeout(handle: number | undefined): void;
declare const console: { warn(...data: unknown[]): void } | undefined;
