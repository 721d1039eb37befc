// Skills as people type them: "billing:3, french:5" (a skill without a level
// is at level 1).

export interface Skill {
  name: string;
  level: number;
}

export function skillsText(skills: Skill[] | null | undefined): string {
  return (skills ?? []).map((s) => `${s.name}:${s.level}`).join(", ");
}

export function parseSkills(text: string): Skill[] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [name, level] = p.split(":").map((x) => x.trim());
      return { name, level: level ? Number(level) : 1 };
    });
}
