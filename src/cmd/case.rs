use anyhow::Context;
use exhibit_case::Case;

use crate::cli::CaseCommand;

pub fn run(cmd: CaseCommand) -> anyhow::Result<()> {
    match cmd {
        CaseCommand::Init {
            dir,
            name,
            number,
            examiner,
        } => {
            let case = Case::init(&dir, &name, &number, &examiner, jiff::Timestamp::now())
                .with_context(|| format!("creating case {}", dir.display()))?;
            println!(
                "created case {} ({}) in {}",
                case.info().name,
                case.info().number,
                dir.display()
            );
            Ok(())
        }
        CaseCommand::Show { case, json } => {
            let case = Case::open(&case)?;
            let evidence = case.evidence()?;
            if json {
                return crate::output::json(&serde_json::json!({
                    "case": case.info(),
                    "evidence": evidence,
                }));
            }
            let i = case.info();
            println!("case      {} ({})", i.name, i.number);
            println!("examiner  {}", i.examiner);
            println!("created   {}", i.created);
            println!("evidence  {} item(s)", evidence.len());
            super::evidence::print_list(&evidence);
            Ok(())
        }
    }
}
