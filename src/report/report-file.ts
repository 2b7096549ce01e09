import type { Analysis } from '../analyze/analysis.ts';

/** A file a renderer produced: its name inside the output folder and its text. */
export interface ReportFile {
  name: string;
  text: string;
}

export type Renderer = (analysis: Analysis) => ReportFile[];
