/**
 * DuckDB for tests: runs the warehouse SQL of src/scale/ locally (DuckDB
 * speaks nearly the same SQL as Athena and BigQuery; the stand-ins are in
 * the engine modules, next to the text they stand in for). Dev dependency
 * only: src/ never imports it.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { TextRow } from '../../src/scale/cloudtrail-rows.js';

export interface DuckDb {
  run(sql: string): Promise<void>;
  /** Rows with every value as text (numbers too, as engines answer over HTTP), NULL as null. */
  rows(sql: string): Promise<TextRow[]>;
  close(): void;
}

export async function openDuckDb(): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  return {
    run: async (sql) => {
      await connection.run(sql);
    },
    rows: async (sql) => {
      const result = await connection.runAndReadAll(sql);
      return result.getRowObjectsJson().map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v)])),
      );
    },
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
