// The benchmark's data, loaded through the API like an admin would: 5 sources
// x 20 operators (each operator weighted for one source), with the weights of
// reference-setup.sql, (operator * 7 + source) % 30 + 1, where operator is
// 1..100 and source 1..5 in creation order.
import { api, type Target } from "./api.js";

export const SOURCES = 5;
export const OPERATORS_PER_SOURCE = 20;

export type Scenario = { sourceIds: number[]; operatorIds: number[] };

export type ScenarioOptions = {
  /** Names start with it, so two scenarios can live in one database. */
  prefix: string;
  /** max_load of operator k (1..100). */
  maxLoad: (k: number) => number;
};

export function referenceWeight(operatorK: number, sourceS: number): number {
  return ((operatorK * 7 + sourceS) % 30) + 1;
}

export async function loadScenario(target: Target, options: ScenarioOptions): Promise<Scenario> {
  const sourceIds: number[] = [];
  const operatorIds: number[] = [];
  for (let s = 1; s <= SOURCES; s++) {
    const source = await api<{ id: number }>(target, "POST", "/sources", {
      name: `${options.prefix} source ${s}`,
    });
    sourceIds.push(source.id);
  }
  for (let k = 1; k <= SOURCES * OPERATORS_PER_SOURCE; k++) {
    const operator = await api<{ id: number }>(target, "POST", "/operators", {
      name: `${options.prefix} operator ${k}`,
      max_load: options.maxLoad(k),
    });
    operatorIds.push(operator.id);
  }
  await setWeights(target, { sourceIds, operatorIds });
  return { sourceIds, operatorIds };
}

/** Sets (or sets again) every source's weights; setting them also drains its pending appeals. */
export async function setWeights(target: Target, scenario: Scenario): Promise<void> {
  for (const [index, sourceId] of scenario.sourceIds.entries()) {
    const s = index + 1;
    const weights = [];
    for (let k = (s - 1) * OPERATORS_PER_SOURCE + 1; k <= s * OPERATORS_PER_SOURCE; k++) {
      weights.push({ operator_id: scenario.operatorIds[k - 1], weight: referenceWeight(k, s) });
    }
    await api(target, "PUT", `/sources/${sourceId}/weights`, weights);
  }
}
