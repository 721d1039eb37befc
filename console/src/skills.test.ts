/**
 * Protects skills.ts, the text form in which admins edit an agent's skills
 * and a service's required skills ("billing:3, french:5"): what the console
 * shows must read back as the same skills, what people type loosely (spaces,
 * stray commas, no level) must mean what they meant, and a level that is not
 * a number must not be quietly turned into a valid one. parseSkills does not
 * throw: such a level stays NaN (sent as null), so the server refuses the
 * save with its own error instead of storing a level nobody typed.
 */
import { describe, expect, it } from "vitest";
import { parseSkills, skillsText, type Skill } from "./skills";

describe("skills", () => {
  it("formats skills as name:level, comma separated", () => {
    expect(
      skillsText([
        { name: "billing", level: 3 },
        { name: "french", level: 5 },
      ]),
    ).toBe("billing:3, french:5");
    expect(skillsText([])).toBe("");
    expect(skillsText(null)).toBe("");
    expect(skillsText(undefined)).toBe("");
  });

  it("reads back what it formats", () => {
    const skills: Skill[] = [
      { name: "billing", level: 3 },
      { name: "Spanish", level: 10 },
      { name: "tier 2 support", level: 1 },
    ];
    expect(parseSkills(skillsText(skills))).toEqual(skills);
    expect(skillsText(parseSkills("billing:3, french:5"))).toBe("billing:3, french:5");
    expect(parseSkills(skillsText([]))).toEqual([]);
  });

  it("takes loose typing: spaces, empty entries, and level 1 when none is given", () => {
    expect(parseSkills("  billing : 3 ,, french,  ")).toEqual([
      { name: "billing", level: 3 },
      { name: "french", level: 1 },
    ]);
    expect(parseSkills("")).toEqual([]);
    expect(parseSkills(" , ,")).toEqual([]);
  });

  it("never turns a level that is not a number into a valid one", () => {
    for (const text of ["billing:abc", "billing:3x", "billing:2.5", "billing:-1:2"]) {
      const [skill] = parseSkills(text);
      expect(skill.name, text).toBe("billing");
      expect(Number.isInteger(skill.level) && skill.level >= 1, `${text} gave level ${skill.level}`).toBe(false);
    }
  });
});
