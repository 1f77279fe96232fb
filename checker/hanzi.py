"""Traditional to simplified characters, for text quoted from documents published in traditional script.

Section headings and titles of such documents (青島市…) are shown to a county reader in
simplified Chinese. This is a character table of the forms government documents use, not a
full converter: a character not listed is shown as written.
"""
from __future__ import annotations

from .suggest import simplify

_TRADITIONAL = (
    "優島強確繞緊證運項與標準關於發達學習歷產區廣條專業東兩嚴個豐臨為舉義樂書買亂爭雲親億僅從倉儀們價眾會偉傳體餘側債傾償儲兒"
    "黨蘭興養內冊寫軍農決況減幾擊劃則剛創別劑劇勸辦務動勵勞勢醫華協單賣衛衞卻廠廳厲壓縣參雙變葉號聽啟員週響團園圍圖圓場壞塊堅"
    "執報聲處備復夠頭奪獎婦孫寧寶實審憲寬對導將爾層屬歲嶺幣師帶幫幹並莊慶庫應廢開棄張彌歸當錄徹徑後憶懷態總惡懸驚慣慮戰戶擴掃"
    "揚擾撫搶護擔擬擁撥擇掛擋擠揮損換據攜擺攝敵數斷時暢顯曉暫術機殺雜權來極構樞櫃樓欄樹樣橋檔夢檢歡殘氣漢溝沒潔測濟濃潤漲溫濕"
    "滯滅燈災點煙燒熱愛獨獲環現畫畢異療癥監蓋盤礎礙禮離種積稱穩窮競筆節範築簡糧紀約紅級線練組細終經結給絡統絕繼續維綜綠網編緩"
    "縮績罰羅聯職肅腦膽臟藝蘇萬藥補製複規視覽覺觀計記訊討讓訓議講許論設訪評識詞試詳語誤說請讀課調談謀診譯負財責貢貨質貧購貿費"
    "資贊趕躍車軟轉輪較載輔輕輸辭邊遷過遠違連遲適選遺鄉鄰釋鐵錢錯鍵鎮長門閉問間閱隊陽陰階際陸隨險隱難電靈靜頁順須預領頻題額願"
    "類顧風飛飲館馬駐驗鬥魚麥黃齊龍牽託國覈碼這還進織營綫屆勝紮鎖獻雖壯鏈輛綱"
)
_SIMPLIFIED = (
    "优岛强确绕紧证运项与标准关于发达学习历产区广条专业东两严个丰临为举义乐书买乱争云亲亿仅从仓仪们价众会伟传体余侧债倾偿储儿"
    "党兰兴养内册写军农决况减几击划则刚创别剂剧劝办务动励劳势医华协单卖卫卫却厂厅厉压县参双变叶号听启员周响团园围图圆场坏块坚"
    "执报声处备复够头夺奖妇孙宁宝实审宪宽对导将尔层属岁岭币师带帮干并庄庆库应废开弃张弥归当录彻径后忆怀态总恶悬惊惯虑战户扩扫"
    "扬扰抚抢护担拟拥拨择挂挡挤挥损换据携摆摄敌数断时畅显晓暂术机杀杂权来极构枢柜楼栏树样桥档梦检欢残气汉沟没洁测济浓润涨温湿"
    "滞灭灯灾点烟烧热爱独获环现画毕异疗症监盖盘础碍礼离种积称稳穷竞笔节范筑简粮纪约红级线练组细终经结给络统绝继续维综绿网编缓"
    "缩绩罚罗联职肃脑胆脏艺苏万药补制复规视览觉观计记讯讨让训议讲许论设访评识词试详语误说请读课调谈谋诊译负财责贡货质贫购贸费"
    "资赞赶跃车软转轮较载辅轻输辞边迁过远违连迟适选遗乡邻释铁钱错键镇长门闭问间阅队阳阴阶际陆随险隐难电灵静页顺须预领频题额愿"
    "类顾风飞饮馆马驻验斗鱼麦黄齐龙牵托国核码这还进织营线届胜扎锁献虽壮链辆纲"
)
_TABLE = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


def simplified(text: str) -> str:
    """`text` with every listed traditional character written in its simplified form."""
    return simplify(text).translate(_TABLE)
