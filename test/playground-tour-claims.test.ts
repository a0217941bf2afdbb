/**
 * The tour page in web/ repeats the claims of `descent tour`'s sections next
 * to its scenes. This suite runs the sections' experiments and checks that
 * the page states each claim word for word.
 */
import { describe, expect, it } from "vitest";

import { landscapeScenes } from "../src/tour/scenes.js";
import { EXPERIMENTS } from "../src/tour/tour.js";
import type { SceneContext, SceneResult } from "../src/tour/types.js";
import { SECTION_CLAIMS, tourScenes } from "../web/src/tour-scenes.js";

const CONTEXT: SceneContext = {
  seed: 1,
  size: "quick",
  trainer: new Proxy({} as SceneContext["trainer"], {
    get() {
      throw new Error("A landscape experiment used the trainer; only training experiments may.");
    },
  }),
};

/** Runs the experiment that writes `sectionId` and returns that section. */
async function runSection(sectionId: string): Promise<SceneResult> {
  const experiment = EXPERIMENTS.find((candidate) => candidate.sections.includes(sectionId));
  if (experiment === undefined) throw new Error(`No tour experiment writes section "${sectionId}".`);
  const results = [await experiment.run(CONTEXT)].flat();
  return results.find((result) => result.id === sectionId)!;
}

describe("tour page texts", () => {
  it("cover every scene in order", () => {
    expect(tourScenes.map(({ scene }) => scene.id)).toEqual(landscapeScenes.map((scene) => scene.id));
  });

  it("claim only sections with scenes", () => {
    const sections = new Set(landscapeScenes.map((scene) => scene.section));
    expect(Object.keys(SECTION_CLAIMS).sort()).toEqual([...sections].sort());
  });

  it.each(Object.keys(SECTION_CLAIMS))("state the %s claim as the tour does", async (sectionId) => {
    const section = await runSection(sectionId);
    expect(SECTION_CLAIMS[sectionId]).toBe(section.claim);
  });
});
