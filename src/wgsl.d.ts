// Lets TypeScript accept Vite raw imports of WGSL sources (`x.wgsl?raw`).
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
