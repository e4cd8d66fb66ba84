# cython: language_level=3, wraparound=True, boundscheck=True, cdivision=False, binding=True
# Plain Python semantics compiled with Cython (no C types yet): same code, less interpreter overhead.
"""8.2.1 Decoding process for picture order count (types 0, 1 and 2; frames and fields)."""
from __future__ import annotations


class PocState:
    """What 8.2.1 remembers between pictures: prevPicOrderCntMsb/Lsb (type 0), prevFrameNumOffset and
    prevFrameNum (types 1 and 2)."""

    __slots__ = ("prev_msb", "prev_lsb", "prev_frame_num_offset", "prev_frame_num", "frame_num_offset")

    def __init__(self) -> None:
        self.prev_msb = 0
        self.prev_lsb = 0
        self.prev_frame_num_offset = 0
        self.prev_frame_num = 0
        self.frame_num_offset = 0

    def compute(self, sh, prev_mmco5: bool = False) -> tuple[int, int]:
        """TopFieldOrderCnt, BottomFieldOrderCnt of the picture whose first slice header is `sh`
        (for a field only the count of its parity is meaningful)."""
        sps = sh.sps
        t = sps.pic_order_cnt_type
        if t == 0:
            return self._type0(sh)
        # 8.2.1.2 / 8.2.1.3: FrameNumOffset
        if sh.IdrPicFlag:
            fno = 0
        else:
            prev = 0 if prev_mmco5 else self.prev_frame_num_offset
            fno = prev + sps.MaxFrameNum if self.prev_frame_num > sh.frame_num else prev
        self.frame_num_offset = fno
        if t == 1:
            return self._type1(sh, fno)
        # 8.2.1.3
        if sh.IdrPicFlag:
            temp = 0
        elif sh.nal_ref_idc == 0:
            temp = 2 * (fno + sh.frame_num) - 1
        else:
            temp = 2 * (fno + sh.frame_num)
        return temp, temp

    def _type0(self, sh) -> tuple[int, int]:
        # 8.2.1.1
        sps = sh.sps
        if sh.IdrPicFlag:
            self.prev_msb = self.prev_lsb = 0
        lsb = sh.pic_order_cnt_lsb
        max_lsb = sps.MaxPicOrderCntLsb
        if lsb < self.prev_lsb and self.prev_lsb - lsb >= max_lsb // 2:
            msb = self.prev_msb + max_lsb
        elif lsb > self.prev_lsb and lsb - self.prev_lsb > max_lsb // 2:
            msb = self.prev_msb - max_lsb
        else:
            msb = self.prev_msb
        if not sh.field_pic_flag:
            top = msb + lsb
            return top, top + sh.delta_pic_order_cnt_bottom
        if sh.bottom_field_flag:
            return 0, msb + lsb
        return msb + lsb, 0

    def _type1(self, sh, fno: int) -> tuple[int, int]:
        sps = sh.sps
        n = sps.num_ref_frames_in_pic_order_cnt_cycle
        abs_frame_num = fno + sh.frame_num if n != 0 else 0
        if sh.nal_ref_idc == 0 and abs_frame_num > 0:
            abs_frame_num -= 1
        expected = 0
        if abs_frame_num > 0:
            cycle_cnt, in_cycle = divmod(abs_frame_num - 1, n)
            expected = cycle_cnt * sps.ExpectedDeltaPerPicOrderCntCycle + sum(sps.offset_for_ref_frame[:in_cycle + 1])
        if sh.nal_ref_idc == 0:
            expected += sps.offset_for_non_ref_pic
        if not sh.field_pic_flag:
            top = expected + sh.delta_pic_order_cnt0
            return top, top + sps.offset_for_top_to_bottom_field + sh.delta_pic_order_cnt1
        if sh.bottom_field_flag:
            return 0, expected + sps.offset_for_top_to_bottom_field + sh.delta_pic_order_cnt0
        return expected + sh.delta_pic_order_cnt0, 0

    def after_picture(self, sh, top: int, bottom: int, mmco5: bool) -> None:
        """Update the state once a picture is decoded (prevPicOrderCntMsb/Lsb come from reference pictures)."""
        sps = sh.sps
        if sps.pic_order_cnt_type == 0:
            if sh.nal_ref_idc != 0:
                if mmco5:
                    # 8.2.1.1: after memory_management_control_operation 5
                    self.prev_msb = 0
                    if sh.field_pic_flag and sh.bottom_field_flag:
                        self.prev_lsb = 0
                    else:
                        self.prev_lsb = top - min(top, bottom) if not sh.field_pic_flag else 0
                else:
                    lsb = sh.pic_order_cnt_lsb
                    self.prev_lsb = lsb
                    val = (bottom if sh.field_pic_flag and sh.bottom_field_flag else top)
                    self.prev_msb = val - lsb
        else:
            self.prev_frame_num_offset = 0 if mmco5 else self.frame_num_offset
        self.prev_frame_num = 0 if mmco5 else sh.frame_num
