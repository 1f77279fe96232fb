"""'Did you mean' for fact names, matching names and Chinese labels."""
from __future__ import annotations

import difflib

from .vocabulary import Vocabulary

# Traditional forms that appear in the labels and texts this tool handles, so a
# label typed in traditional characters still finds its fact.
_T2S = str.maketrans(
    "層醫療衛診門總構員區縣鄉鎮國間開發經費體積數額設備藥價險協務帶實現機關聯規劃議會點專師護養檢驗藥劑"
    "業級務網絡數據資報統計類標準審覈療轉號碼預約這個為對於與從時長過還進選擇職責範圍導",
    "层医疗卫诊门总构员区县乡镇国间开发经费体积数额设备药价险协务带实现机关联规划议会点专师护养检验药剂"
    "业级务网络数据资报统计类标准审核疗转号码预约这个为对于与从时长过还进选择职责范围导")
_T2S.update(str.maketrans("內場牽監組編織衞財辦農頭黨", "内场牵监组编织卫财办农头党"))


def simplify(text: str) -> str:
    return text.translate(_T2S)


def candidates(name: str, vocab: Vocabulary, pool: list[str] | None = None) -> list[str]:
    names = pool if pool is not None else [f for f, d in vocab.facts.items() if d.submittable]
    direct = difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.6)
    if direct:
        return direct
    by_label = {simplify(vocab.facts[n].label): n for n in names if n in vocab.facts}
    wanted = simplify(name)
    if wanted in by_label:
        return [by_label[wanted]]
    close = difflib.get_close_matches(wanted, list(by_label), n=3, cutoff=0.5)
    return [by_label[c] for c in close]


def did_you_mean(name: str, vocab: Vocabulary, pool: list[str] | None = None) -> str:
    found = candidates(name, vocab, pool)
    if not found:
        return ""
    shown = ", ".join(f"'{c}' ({vocab.facts[c].label})" if c in vocab.facts else f"'{c}'" for c in found)
    return f"; did you mean {shown}?"
