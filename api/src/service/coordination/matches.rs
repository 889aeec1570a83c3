//! Matchmaking (seed 004 rec. 8): partners for a region by what its potentials share with what
//! they already cooperate in, and every Indonesian region already working with a partner. Only
//! agreements in force or ended count, and only their public fields show.

use std::collections::{BTreeMap, BTreeSet};

use jalin_domain::coordination::{rank_partners, PartnerMatch, PartnerRecord};
use jalin_domain::{RecordKind, RegionCode};
use jalin_persistence::coordination::{self as co, Cooperation};
use jalin_persistence::registry::{self, Partner};
use jalin_persistence::{reference, DbConnection};

use crate::error::ApiError;
use crate::reply::OrNotFound;

/// At most this many partners are proposed.
const MOST: usize = 50;

/// Partners ranked for `region`, with their records (name, country).
pub fn partners_for(
    c: &mut DbConnection,
    region: &RegionCode,
) -> Result<Vec<(PartnerMatch, Option<Partner>)>, ApiError> {
    let sectors: BTreeSet<String> = co::potential_sectors(c, region)?.into_iter().collect();
    let mut records: BTreeMap<String, PartnerRecord> = BTreeMap::new();
    for row in co::partner_cooperation(c, None)? {
        let Cooperation {
            partner_id,
            partner_name,
            region_code,
            sectors,
            ..
        } = row;
        let e = records
            .entry(partner_id.clone())
            .or_insert_with(|| PartnerRecord {
                partner_id,
                name: partner_name,
                sectors: BTreeSet::new(),
                regions: BTreeSet::new(),
            });
        e.sectors.extend(sectors);
        e.regions.insert(region_code);
    }
    let list: Vec<PartnerRecord> = records.into_values().collect();
    rank_partners(region.as_str(), &sectors, &list)
        .into_iter()
        .take(MOST)
        .map(|m| {
            let p = registry::find_partner(c, &m.partner_id)?;
            Ok((m, p))
        })
        .collect()
}

/// A region cooperating with a partner: in what, through which agreements.
pub struct Cooperating {
    pub region_code: String,
    pub region_name: Option<String>,
    pub sectors: BTreeSet<String>,
    pub agreements: Vec<Cooperation>,
}

/// The partner, and every Indonesian region cooperating with it, by region code.
pub fn regions_of(
    c: &mut DbConnection,
    partner_id: &str,
) -> Result<(Partner, Vec<Cooperating>), ApiError> {
    let partner =
        registry::find_partner(c, partner_id)?.or_not_found(RecordKind::Partner, partner_id)?;
    let mut by_region: BTreeMap<String, Cooperating> = BTreeMap::new();
    for row in co::partner_cooperation(c, Some(partner_id))? {
        let e = by_region
            .entry(row.region_code.clone())
            .or_insert_with(|| Cooperating {
                region_code: row.region_code.clone(),
                region_name: None,
                sectors: BTreeSet::new(),
                agreements: Vec::new(),
            });
        e.sectors.extend(row.sectors.iter().cloned());
        e.agreements.push(row);
    }
    let mut regions: Vec<Cooperating> = by_region.into_values().collect();
    for r in &mut regions {
        if let Ok(code) = RegionCode::parse(&r.region_code) {
            r.region_name = reference::get_region(c, &code)?.map(|known| known.name);
        }
    }
    Ok((partner, regions))
}
